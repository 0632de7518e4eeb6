import { DetectorError } from '../../errors';
import { rankRootCauses } from './rank-root-causes';
import type { DetectorVerdict, MetricSeries, RootCauseInput } from './types';

const STEP = 15_000;
const HISTORY = 240;
const INCIDENT = 12;
/** Incident start: the first point after the history. */
const T = HISTORY * STEP;

/** A deterministic noise source (Park–Miller), so every run sees the same fleet. */
function noise(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
}

interface Change {
  entity: string;
  metric: string;
  /** Added to the metric from this step on (may be before HISTORY: a change the detector saw late). */
  fromStep: number;
  delta: number;
}

/**
 * A fleet where every entity has latency (about 100 ms, noise ±`spread[e]`), an error ratio (0 with
 * rare blips) and a request rate, and `changes` moves some of them. Steps are 15 s.
 */
function fleet(
  entities: string[],
  changes: Change[],
  spread: Record<string, number> = {},
): Map<string, Map<string, MetricSeries>> {
  const r = noise(42);
  const series = new Map<string, Map<string, MetricSeries>>();
  for (const e of entities) {
    const metrics = new Map<string, MetricSeries>();
    const base: Record<string, (i: number) => number> = {
      latency_seconds: () => 0.1 + (spread[e] ?? 0.01) * r(),
      error_ratio: (i) => (i % 97 === 13 ? 0.01 : 0),
      request_rate: () => 50 + 5 * r(),
    };
    for (const [metric, f] of Object.entries(base)) {
      const timestamps: number[] = [];
      const values: (number | null)[] = [];
      for (let i = 0; i < HISTORY + INCIDENT; i++) {
        let v = f(i);
        for (const c of changes) if (c.entity === e && c.metric === metric && i >= c.fromStep) v += c.delta;
        timestamps.push(i * STEP);
        values.push(v);
      }
      metrics.set(metric, { timestamps, values });
    }
    series.set(e, metrics);
  }
  return series;
}

const edges = (...pairs: [string, string][]) => pairs.map(([caller, callee]) => ({ caller, callee }));
const names = (input: RootCauseInput) => rankRootCauses(input).map((r) => r.entity);

describe('rankRootCauses', () => {
  it('ranks the callee at the end of a chain first even when its caller moved more', () => {
    // c gets 80 ms slower; b and a carry the same 80 ms, and a's latency is ten times steadier, so
    // its robust deviation is ten times c's.
    const slow = (entity: string): Change => ({
      entity,
      metric: 'latency_seconds',
      fromStep: HISTORY + 1,
      delta: 0.08,
    });
    const series = fleet(['a', 'b', 'c'], [slow('a'), slow('b'), slow('c')], { a: 0.001 });
    const ranked = rankRootCauses({ series, edges: edges(['a', 'b'], ['b', 'c']), from: T });
    expect(ranked.map((r) => r.entity)).toEqual(['c', 'b', 'a']);
    expect(ranked[0].topMetric).toBe('latency_seconds');
    expect(ranked.find((r) => r.entity === 'a')?.deviation).toBeGreaterThan(ranked[0].deviation);
    expect(ranked.find((r) => r.entity === 'a')?.explainedBy).toBe('b');
    // Without the graph the steadier caller would win: the graph is what puts c first, by taking
    // from a what b explains of it.
    const alone = rankRootCauses({ series, edges: [], from: T });
    expect(alone[0].entity).toBe('a');
    const a = ranked.find((r) => r.entity === 'a') as { score: number };
    expect(a.score).toBeLessThan(alone[0].score / 2);
  });

  it('names a failing service that nobody calls', () => {
    // `batch` calls the database and has no caller; only its own errors rise.
    const series = fleet(
      ['gateway', 'orders', 'db', 'batch'],
      [{ entity: 'batch', metric: 'error_ratio', fromStep: HISTORY, delta: 0.3 }],
    );
    const ranked = rankRootCauses({
      series,
      edges: edges(['gateway', 'orders'], ['orders', 'db'], ['batch', 'db']),
      from: T,
    });
    expect(ranked[0]).toMatchObject({ entity: 'batch', topMetric: 'error_ratio' });
    expect(ranked[1].score).toBeLessThan(ranked[0].score / 2);
  });

  it('ranks a failing database first when its errors fail every caller', () => {
    const fail = (entity: string, delta: number): Change => ({
      entity,
      metric: 'error_ratio',
      fromStep: HISTORY,
      delta,
    });
    const series = fleet(
      ['gateway', 'orders', 'payments', 'db'],
      [fail('db', 0.5), fail('orders', 0.5), fail('payments', 0.4), fail('gateway', 0.45)],
    );
    const graph = edges(['gateway', 'orders'], ['gateway', 'payments'], ['orders', 'db'], ['payments', 'db']);
    expect(names({ series, edges: graph, from: T })[0]).toBe('db');
  });

  it.each([
    ['b', 'a'],
    ['a', 'b'],
  ])('follows a cycle without looping and names the side that changed first (%s)', (first, second) => {
    // a and b call each other; `first` gets slow two steps before `second` and the gateway, whose
    // latency is steadier, so their robust deviations are larger.
    const slow = (entity: string, fromStep: number): Change => ({
      entity,
      metric: 'latency_seconds',
      fromStep,
      delta: 0.2,
    });
    const series = fleet(
      ['gateway', 'a', 'b'],
      [slow(first, HISTORY), slow(second, HISTORY + 2), slow('gateway', HISTORY + 2)],
      { [second]: 0.002, gateway: 0.002 },
    );
    const graph = edges(['gateway', 'a'], ['a', 'b'], ['b', 'a']);
    expect(names({ series, edges: graph, from: T })[0]).toBe(first);
  });

  it('on a cycle with one start, lets the larger deviation explain the smaller, not both ways', () => {
    const slow = (entity: string): Change => ({
      entity,
      metric: 'latency_seconds',
      fromStep: HISTORY,
      delta: 0.2,
    });
    const series = fleet(['a', 'b'], [slow('a'), slow('b')], { b: 0.002 });
    const ranked = rankRootCauses({ series, edges: edges(['a', 'b'], ['b', 'a']), from: T });
    expect(ranked.map((r) => [r.entity, r.explainedBy])).toEqual([
      ['b', undefined],
      ['a', 'b'],
    ]);
  });

  it('does not let a callee that got slow later explain its caller', () => {
    // orders is slow from the start; db only four steps later (a consequence, not the cause).
    const series = fleet(
      ['gateway', 'orders', 'db'],
      [
        { entity: 'orders', metric: 'latency_seconds', fromStep: HISTORY, delta: 0.2 },
        { entity: 'gateway', metric: 'latency_seconds', fromStep: HISTORY, delta: 0.2 },
        { entity: 'db', metric: 'latency_seconds', fromStep: HISTORY + 4, delta: 0.3 },
      ],
      { db: 0.002 },
    );
    const ranked = rankRootCauses({ series, edges: edges(['gateway', 'orders'], ['orders', 'db']), from: T });
    expect(ranked[0].entity).toBe('orders');
    expect(ranked[0].explainedBy).toBeUndefined();
  });

  it('ranks an entity the graph does not know, and leaves out graph nodes without data', () => {
    const series = fleet(
      ['gateway', 'orders', 'cache'],
      [{ entity: 'cache', metric: 'latency_seconds', fromStep: HISTORY, delta: 0.3 }],
    );
    const ranked = rankRootCauses({
      series,
      edges: edges(['gateway', 'orders'], ['orders', 'ghost']),
      from: T,
    });
    expect(ranked[0].entity).toBe('cache');
    expect(ranked.map((r) => r.entity)).not.toContain('ghost');
  });

  it('still names the cause when the incident start is given well after the change', () => {
    // The fault began 8 steps before `from`: those points sit in the history the ranker compares with.
    const slow = (entity: string): Change => ({
      entity,
      metric: 'latency_seconds',
      fromStep: HISTORY - 8,
      delta: 0.08,
    });
    const series = fleet(['a', 'b', 'c'], [slow('a'), slow('b'), slow('c')], { a: 0.001 });
    expect(names({ series, edges: edges(['a', 'b'], ['b', 'c']), from: T })[0]).toBe('c');
  });

  it('does not blame the receiver of more traffic, and reads through gaps', () => {
    const series = fleet(
      ['gateway', 'orders', 'search'],
      [
        { entity: 'search', metric: 'request_rate', fromStep: HISTORY, delta: 400 },
        { entity: 'orders', metric: 'latency_seconds', fromStep: HISTORY, delta: 0.1 },
      ],
    );
    const orders = series.get('orders')?.get('latency_seconds') as unknown as { values: (number | null)[] };
    for (const i of [10, 50, HISTORY, HISTORY + 3]) orders.values[i] = null;
    const ranked = rankRootCauses({
      series,
      edges: edges(['gateway', 'orders'], ['gateway', 'search']),
      from: T,
    });
    expect(ranked[0].entity).toBe('orders');
    const search = ranked.find((r) => r.entity === 'search');
    expect(search?.topMetric).not.toBe('request_rate');
    expect(search?.score).toBeLessThan(ranked[0].score / 2);
  });

  it("dates only the metrics the detector's alarm is about from its onset, so a later callee fault still explains its caller", () => {
    // The gateway's alarm opens at the incident start on its own latency; three steps later inv fails
    // and the gateway's error ratio carries a third of it. Dating the gateway's errors from its
    // latency alarm would make inv's errors "later" than them, unable to explain them.
    const series = fleet(
      ['gateway', 'inv'],
      [
        { entity: 'gateway', metric: 'latency_seconds', fromStep: HISTORY, delta: 0.05 },
        { entity: 'inv', metric: 'error_ratio', fromStep: HISTORY + 3, delta: 0.15 },
        { entity: 'gateway', metric: 'error_ratio', fromStep: HISTORY + 3, delta: 0.05 },
      ],
    );
    const detector = new Map<string, DetectorVerdict>([
      ['gateway', { onset: T, attributions: { latency_seconds: 0.9, error_ratio: 0.1 } }],
      ['inv', { onset: T + 4 * STEP, attributions: { error_ratio: 1 } }],
    ]);
    const ranked = rankRootCauses({ series, edges: edges(['gateway', 'inv']), from: T, detector });
    expect(ranked[0]).toMatchObject({ entity: 'inv', topMetric: 'error_ratio' });
    expect(ranked.find((r) => r.entity === 'gateway')?.topMetric).toBe('latency_seconds');
  });

  it("uses the detector's verdict for an entity whose metrics it cannot judge yet", () => {
    const series = fleet(['gateway', 'orders'], []);
    // `fresh` has only incident points: no history to judge them against.
    series.set('fresh', new Map([['latency_seconds', { timestamps: [T, T + STEP], values: [5, 6] }]]));
    const detector = new Map([['fresh', { score: 2, attributions: { latency_seconds: 0.9, cpu: 0.1 } }]]);
    const ranked = rankRootCauses({ series, edges: edges(['gateway', 'orders']), from: T, detector });
    expect(ranked[0]).toMatchObject({ entity: 'fresh', topMetric: 'latency_seconds' });
  });

  it('rejects an invalid option with a coded error naming it', () => {
    const input = { series: fleet(['a'], []), edges: [], from: T };
    expect(() => rankRootCauses(input, { threshold: -1 })).toThrow(DetectorError);
    try {
      rankRootCauses(input, { threshold: -1 });
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_OPTIONS', field: 'threshold' });
    }
  });
});
