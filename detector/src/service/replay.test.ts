import type { ScoreResponse } from '@homeostat/contracts';
import { parseConfig } from './config';
import { engineModels } from './model-factory';
import type { PrometheusClient, RangeSeries } from './prometheus-client';
import { replay, replayStart, type ReplayDeps } from './replay';
import { ReplayCache } from './replay-cache';

const STEP = 15;
const STEP_MS = STEP * 1000;
const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

// Each case replays hours of points through the forest several times: about a second on an idle
// machine, past jest's default 5 s on a loaded 2-core one (a CI run beside a chaos campaign).
jest.setTimeout(60_000);

const [detector] = parseConfig({
  prometheus: { url: 'http://127.0.0.1:9090' },
  detectors: [
    {
      name: 'd',
      groupBy: ['service'],
      intervalSeconds: STEP,
      trainingWindowSeconds: 1800,
      refitIntervalSeconds: 600,
      trees: 20,
      sampleSize: 32,
      queries: { cpu: 'cpu', mem: 'mem' },
    },
  ],
}).detectors;

/** A deterministic two-service fleet with a cpu spike on "b"; `bump` changes one sample's value. */
function fakeClient(bump?: {
  at: number;
  by: number;
}): PrometheusClient & { calls: number; starts: number[] } {
  const value = (q: string, s: string, t: number): number => {
    const i = (t - T0) / STEP_MS;
    let v =
      q === 'cpu'
        ? 1 + 0.2 * Math.sin(i / 30) + 0.05 * Math.sin(i * 7.1)
        : 100 + Math.cos(i / 50) + 0.3 * Math.sin(i * 3.3);
    if (s === 'b' && q === 'cpu' && i % 700 >= 600 && i % 700 < 610) v += 5;
    if (bump && t === bump.at && q === 'cpu' && s === 'a') v += bump.by;
    return v;
  };
  const client = {
    calls: 0,
    starts: [] as number[],
    async queryRange(q: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
      client.calls++;
      client.starts.push(start);
      const ts: number[] = [];
      for (let t = Math.ceil(start / (step * 1000)) * step * 1000; t <= end; t += step * 1000) ts.push(t);
      return ['a', 'b'].map((s) => ({
        labels: { service: s },
        timestamps: ts,
        values: ts.map((t) => value(q, s, t)),
      }));
    },
  };
  return client as unknown as PrometheusClient & { calls: number; starts: number[] };
}

const deps = (extra: Partial<ReplayDeps> = {}): ReplayDeps => ({
  detectors: [detector],
  client: fakeClient(),
  models: engineModels,
  now: () => T0 + 100 * HOUR,
  ...extra,
});

const request = (from: number, to: number) => ({ detector: 'd', from, to, stepSeconds: STEP });

function scoresOf(r: ScoreResponse) {
  return r.series.map((s) => ({
    key: s.key,
    timestamps: s.timestamps,
    scores: s.scores,
    anomalies: s.anomalies,
  }));
}

describe('replayStart', () => {
  it('anchors on a fixed grid at or before one window ahead of the first point', () => {
    const win = 1800_000;
    const a = replayStart(T0 + 10 * HOUR, win, STEP_MS, 8 * HOUR, null);
    const b = replayStart(T0 + 10 * HOUR + 4 * STEP_MS, win, STEP_MS, 8 * HOUR, null);
    expect(a).toBeLessThanOrEqual(T0 + 10 * HOUR - win);
    expect(T0 + 10 * HOUR - win - a).toBeLessThan(HOUR + STEP_MS * 64);
    expect(b).toBe(a); // a sliding range keeps its start
  });

  it('starts exactly one window before the live models when the replay begins at liveSince', () => {
    const live = T0 + 5 * HOUR + 7 * STEP_MS;
    expect(replayStart(live, 1800_000, STEP_MS, 24 * HOUR, live)).toBe(live - 1800_000);
  });
});

describe('replay cache', () => {
  const from = T0 + 2 * HOUR;
  const to = T0 + 8 * HOUR;

  it('answers a repeated and a sliding request exactly as a replay without a cache would', async () => {
    const cache = new ReplayCache();
    const client = fakeClient();
    const cached = deps({ cache, client });
    const first = await replay(request(from, to), cached);
    expect(Math.min(...client.starts)).toBeLessThan(from - 1800_000);
    expect(cache.size).toBe(2);
    expect(first.series.find((s) => s.labels.service === 'b')?.anomalies.some(Boolean)).toBe(true);
    const again = await replay(request(from, to), cached);
    expect(scoresOf(again)).toEqual(scoresOf(first));

    const slid = await replay(request(from + 4 * STEP_MS, to + 4 * STEP_MS), cached);
    const fresh = await replay(request(from + 4 * STEP_MS, to + 4 * STEP_MS), deps());
    expect(slid).toEqual(fresh);
    // The refresh read only the new points and a short overlap, not the range.
    expect(client.starts.at(-1)).toBe(to - 20 * STEP_MS);
    expect(slid.series[0].timestamps.at(-1)).toBe(to + 4 * STEP_MS);
  });

  it('recomputes when Prometheus returns different data for a point already scored', async () => {
    const cache = new ReplayCache();
    const original = await replay(request(from, to), deps({ cache }));
    // A refresh re-reads the last 20 consumed steps and checks them.
    const changed = fakeClient({ at: to - 5 * STEP_MS, by: 50 });
    const viaCache = await replay(request(from, to), deps({ cache, client: changed }));
    const fresh = await replay(request(from, to), deps({ client: changed }));
    expect(viaCache).toEqual(fresh);
    // The changed point is scored anew (one odd point moves the score; it takes more to alarm).
    const at = (r: ScoreResponse) => {
      const a = r.series.find((s) => s.labels.service === 'a');
      return a?.scores[a.timestamps.indexOf(to - 5 * STEP_MS)] ?? null;
    };
    expect(at(fresh)).not.toBeNull();
    expect(at(fresh)).toBeGreaterThan((at(original) ?? 0) + 0.1);
  });

  it("scores a point once it is as old as the live loop's settle delay (queryDelaySeconds), not before", async () => {
    expect(detector.queryDelaySeconds).toBe(1);
    // Half a second after `to`: the live loop has not read `to` yet, and neither does the replay.
    const early = await replay(request(from, to), deps({ now: () => to + 500 }));
    expect(early.series[0].timestamps.at(-1)).toBe(to - STEP_MS);
    const settled = await replay(request(from, to), deps({ now: () => to + 1000 }));
    expect(settled.series[0].timestamps.at(-1)).toBe(to);
    // What it did score is what a replay long after gives (nothing unsettled was cached).
    const cache = new ReplayCache();
    await replay(request(from, to), deps({ cache, now: () => to + 500 }));
    expect(await replay(request(from, to), deps({ cache, now: () => to + 1000 }))).toEqual(settled);
  });

  it("serves the live loop's recorded scores for the points it scored, and computes the rest", async () => {
    const plain = await replay(request(from, to), deps());
    const a = plain.series.find((s) => s.key === 'service="a"');
    if (!a) throw new Error('no series a');
    const t = a.timestamps[10];
    const liveScores = () =>
      new Map([
        ['service="a"', new Map([[t, { timestamp: t, score: 1.75, anomaly: true, topFeature: 'mem' }]])],
      ]);
    const served = await replay(request(from, to), deps({ liveScores }));
    const sa = served.series.find((s) => s.key === 'service="a"');
    expect(sa?.scores[10]).toBe(1.75);
    expect(sa?.anomalies[10]).toBe(true);
    expect(sa?.topFeatures[10]).toBe('mem');
    // Every other point, and the other entity, as computed.
    expect(sa?.scores.filter((_, i) => i !== 10)).toEqual(a.scores.filter((_, i) => i !== 10));
    expect(served.series.find((s) => s.key === 'service="b"')).toEqual(
      plain.series.find((s) => s.key === 'service="b"'),
    );
    // At a whole multiple of the interval (a long panel range) a grid point shows the highest live
    // score of its step; at a step that is not a multiple the record does not apply.
    const coarse = await replay({ ...request(from, to), stepSeconds: 2 * STEP }, deps({ liveScores }));
    const ca = coarse.series.find((s) => s.key === 'service="a"');
    const g = Math.ceil(t / (2 * STEP_MS)) * 2 * STEP_MS;
    expect(ca?.scores[ca.timestamps.indexOf(g)]).toBe(1.75);
    expect(ca?.anomalies[ca.timestamps.indexOf(g)]).toBe(true);
    expect(ca?.scores.filter((x) => x === 1.75)).toHaveLength(1);
    const odd = await replay({ ...request(from, to), stepSeconds: 20 }, deps({ liveScores }));
    expect(odd.series.flatMap((s) => s.scores)).not.toContain(1.75);
    // Nor for an ad-hoc query or another grouping of the detector's queries.
    const regrouped = await replay({ ...request(from, to), groupBy: ['zone'] }, deps({ liveScores }));
    expect(regrouped.series.flatMap((s) => s.scores)).not.toContain(1.75);
  });

  it('reports the top feature of anomalous points only (attribution floor)', async () => {
    const r = await replay(request(from, to), deps());
    const b = r.series.find((s) => s.labels.service === 'b');
    if (!b) throw new Error('no series b');
    b.scores.forEach((s, i) => {
      if (s !== null && s > 1) expect(b.topFeatures[i]).not.toBeNull();
      if (s === null || s < 0.5) expect(b.topFeatures[i]).toBeNull();
    });
    expect(b.topFeatures.filter((f) => f === 'cpu').length).toBeGreaterThan(0);
  });

  it('returns the query API warnings with the scores (a partial response), and none when there were none', async () => {
    expect((await replay(request(from, to), deps())).warnings).toBeUndefined();
    const base = fakeClient();
    const partial = {
      async queryRange(q: string, s: number, e: number, step: number, opts?: { warnings?: string[] }) {
        opts?.warnings?.push('partial response: store B unavailable');
        return base.queryRange(q, s, e, step);
      },
    } as unknown as PrometheusClient;
    const r = await replay(request(from, to), deps({ client: partial }));
    expect(r.warnings).toEqual(['partial response: store B unavailable']);
    expect(r.series).toHaveLength(2);
  });

  it('forgets the least recently used runs beyond its size', async () => {
    const cache = new ReplayCache(1);
    await replay(request(from, to), deps({ cache }));
    expect(cache.size).toBe(1);
  });
});
