import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { replayCsv } from '../cli/replay';
import { parseConfig } from './config';
import { EntityRegistry } from './entity-registry';
import { EventStore } from './event-store';
import { EventTracker } from './event-tracker';
import { LiveLoop } from './live-loop';
import { ServiceMetrics } from './metrics';
import { engineModels } from './model-factory';
import { ModelStore } from './model-store';
import type { PrometheusClient, RangeSeries } from './prometheus-client';
import { replay } from './replay';

/**
 * The same input gives the same scores, point by point, through every way a user runs the
 * detector: `homeostat-detect replay` on a CSV, the REST replay on PromQL, and the live loop.
 */
const STEP = 15;
const STEP_MS = STEP * 1000;
const T0 = 1_800_000_000_000;
const POINTS = 1400;
const SETTINGS = {
  trainingWindowSeconds: 400 * STEP,
  refitIntervalSeconds: 100 * STEP,
  trees: 40,
  sampleSize: 64,
  pipeline: {
    warmupPoints: 100,
    likelihood: { minPoints: 100 },
    rangeRule: { minPoints: 400 },
    alarm: { holdPoints: 50 },
  },
};

function value(f: string, i: number): number {
  const spike = (i >= 900 && i < 906) || (i >= 1200 && i < 1204);
  return f === 'cpu'
    ? 1 + 0.2 * Math.sin(i / 30) + 0.05 * Math.sin(i * 7.1) + (spike ? 3 : 0)
    : 100 + Math.cos(i / 50) + 0.3 * Math.sin(i * 3.3);
}

const client = {
  async queryRange(q: string, start: number, end: number): Promise<RangeSeries[]> {
    const ts: number[] = [];
    for (let t = Math.ceil(start / STEP_MS) * STEP_MS; t <= end; t += STEP_MS) {
      const i = (t - T0) / STEP_MS;
      if (i >= 0 && i < POINTS) ts.push(t);
    }
    return [
      { labels: { service: 'orders' }, timestamps: ts, values: ts.map((t) => value(q, (t - T0) / STEP_MS)) },
    ];
  },
} as unknown as PrometheusClient;

const [detector] = parseConfig({
  prometheus: { url: 'http://127.0.0.1:9090' },
  detectors: [
    {
      name: 'd',
      groupBy: ['service'],
      intervalSeconds: STEP,
      queryDelaySeconds: 0,
      queries: { cpu: 'cpu', mem: 'mem' },
      ...SETTINGS,
    },
  ],
}).detectors;

/** CLI scores by timestamp, rounded as the CSV writes them. */
function cliScores(): Map<number, number | null> {
  const lines = ['timestamp,cpu,mem'];
  for (let i = 0; i < POINTS; i++)
    lines.push(`${new Date(T0 + i * STEP_MS).toISOString()},${value('cpu', i)},${value('mem', i)}`);
  const r = replayCsv(lines.join('\n') + '\n', 'parity.csv', {
    ...SETTINGS,
    sensitivity: 1,
    seed: 1,
    pipeline: parseConfig({ prometheus: { url: 'http://x' }, detectors: [{ job: 'x', ...SETTINGS }] })
      .detectors[0].pipeline,
  });
  return new Map(r.points.map((p) => [p.timestamp, p.score]));
}

describe('one pipeline: CLI, REST replay and live loop agree point by point', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-parity-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same score at every point, and alarms on the spikes', async () => {
    const cli = cliScores();
    const windowMs = SETTINGS.trainingWindowSeconds * 1000;

    // Live: the first cycle reads one training window of history (from T0), then one step a cycle.
    let now = T0 + windowMs;
    const registry = new EntityRegistry([detector], () => now);
    const events = new EventStore(join(dir, 'events.sqlite'));
    const loop = new LiveLoop({
      detectors: [detector],
      client,
      registry,
      models: engineModels,
      modelStore: new ModelStore(join(dir, 'models')),
      tracker: new EventTracker(),
      events,
      metrics: new ServiceMetrics(['service'], registry),
      log: pino({ level: 'silent' }),
      now: () => now,
    });
    const live = new Map<number, number | null>();
    for (; now <= T0 + (POINTS - 1) * STEP_MS; now += STEP_MS) {
      await loop.runCycle(detector);
      const e = registry.entities('d').get([...registry.entities('d').keys()][0]);
      if (e?.last && e.last.timestamp === now) live.set(now, e.last.score);
    }
    events.close?.();

    // REST replay over the part after the first window (it reads the window before `from` itself).
    const res = await replay(
      { detector: 'd', from: T0 + windowMs, to: T0 + (POINTS - 1) * STEP_MS, stepSeconds: STEP },
      { detectors: [detector], client, models: engineModels, now: () => T0 + POINTS * STEP_MS * 2 },
    );
    const rest = res.series[0];

    let compared = 0;
    let alarms = 0;
    rest.timestamps.forEach((t, i) => {
      const c = cli.get(t);
      const l = live.get(t);
      const r = rest.scores[i];
      if (r === null) {
        expect(c ?? null).toBeNull();
        return;
      }
      expect(c).toBeCloseTo(r, 9);
      if (l !== undefined) {
        expect(l).toBeCloseTo(r, 9);
        compared++;
      }
      if (r >= 1) alarms++;
    });
    expect(compared).toBeGreaterThan(900);
    expect(alarms).toBeGreaterThan(3);
  });
});
