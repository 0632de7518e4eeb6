import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from './config';
import { EntityRegistry } from './entity-registry';
import { EventStore } from './event-store';
import { EventTracker } from './event-tracker';
import { entityFilter, LiveLoop } from './live-loop';
import { ServiceMetrics } from './metrics';
import { engineModels } from './model-factory';
import { ModelStore } from './model-store';
import type { PrometheusClient, RangeSeries } from './prometheus-client';

/**
 * Churn: an entity that appears reads its own training window of history, not the whole
 * detector's (one new pod in a fleet of thousands must not re-read every series).
 */
const STEP = 15;
const STEP_MS = STEP * 1000;
const T0 = 1_800_000_000_000;

const [detector] = parseConfig({
  prometheus: { url: 'http://127.0.0.1:9090' },
  detectors: [
    {
      name: 'd',
      groupBy: ['service'],
      intervalSeconds: STEP,
      queryDelaySeconds: 0,
      trainingWindowSeconds: 100 * STEP,
      trees: 10,
      sampleSize: 16,
      pipeline: {
        warmupPoints: 20,
        zWindowPoints: 8,
        likelihood: { minPoints: 10 },
        seasonal: { periodSeconds: 0 },
      },
      queries: { cpu: 'cpu' },
    },
  ],
}).detectors;

it('entityFilter keeps the given entities of any query, with $ written literally', () => {
  expect(entityFilter(['service', 'zone'], [{ service: 'a', zone: 'z$1' }, { service: 'b' }])).toBe(
    '(label_replace(label_replace(vector(1), "service", "a", "", ""), "zone", "z$$1", "", "") or ' +
      'label_replace(label_replace(vector(1), "service", "b", "", ""), "zone", "", "", ""))',
  );
});

it('a new entity reads the history of that entity only, and scores from its first live cycle', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-churn-'));
  let services = ['a', 'b'];
  const calls: { query: string; start: number; end: number }[] = [];
  const client = {
    async queryRange(query: string, start: number, end: number): Promise<RangeSeries[]> {
      calls.push({ query, start, end });
      const ts: number[] = [];
      for (let t = Math.ceil(start / STEP_MS) * STEP_MS; t <= end; t += STEP_MS) if (t >= T0) ts.push(t);
      // what Prometheus does with `and on (service) <filter>`: only the services the filter names
      const wanted = query.includes(' and on ')
        ? services.filter((s) => query.includes(`"service", "${s}"`))
        : services;
      return wanted.map((s, k) => ({
        labels: { service: s },
        timestamps: ts,
        values: ts.map((t) => 1 + k + 0.1 * Math.sin(t / STEP_MS / 5)),
      }));
    },
  } as unknown as PrometheusClient;
  let now = T0 + 200 * STEP_MS;
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
  try {
    await loop.runCycle(detector); // a and b: one window of history, unfiltered
    now += STEP_MS;
    await loop.runCycle(detector);
    services = ['a', 'b', 'c'];
    calls.length = 0;
    now += STEP_MS;
    await loop.runCycle(detector);
    // the cycle's own step (every entity), then c's history only
    expect(calls).toHaveLength(2);
    expect(calls[0].query).toBe('cpu');
    expect(calls[1].query).toBe('(cpu) and on (service) (label_replace(vector(1), "service", "c", "", ""))');
    expect(calls[1].end - calls[1].start).toBeGreaterThanOrEqual(99 * STEP_MS);
    const c = [...registry.entities('d').values()].find((e) => e.labels.service === 'c');
    expect(c?.last?.score).not.toBeNull();
    expect(c?.last?.timestamp).toBe(now);
  } finally {
    events.close?.();
    rmSync(dir, { recursive: true, force: true });
  }
});
