import { CallGraph } from './call-graph';
import { causeOfMember, ownFault } from './member-cause';
import type { MetricSeries } from './types';

const T0 = 1_800_000_000_000;
const FROM = T0 + 100_000;
const opts = { ownCauseKinds: ['saturation'] as const, threshold: 3, minHistory: 30 };

/** 110 points at 1 s: a wobble, then `after` added from point 100 (the incident's start) on. */
function series(level: number, after: number): MetricSeries {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < 110; i++) {
    timestamps.push(T0 + i * 1000);
    values.push(level * (1 + 0.02 * Math.sin(i * 1.3)) + (i >= 100 ? after : 0));
  }
  return { timestamps, values };
}
const of = (m: Record<string, MetricSeries>) => () => new Map(Object.entries(m));

describe('ownFault', () => {
  it("finds a saturation metric the member's alarm is about and that rose past the threshold", () => {
    const leak = of({ memory: series(1e6, 5e5), request_rate: series(40, 0) });
    expect(ownFault(leak, FROM, { memory: 0.8, request_rate: 0.1 }, opts)).toBe('memory');
  });

  it('finds none when the alarm is about another metric, or names none', () => {
    const leak = of({ memory: series(1e6, 5e5), latency_p95: series(0.1, 0.5), request_rate: series(40, 0) });
    expect(ownFault(leak, FROM, { latency_p95: 0.9, memory: 0.2 }, opts)).toBeNull();
    expect(ownFault(leak, FROM, {}, opts)).toBeNull();
    expect(ownFault(leak, FROM, { memory: 1 }, { ...opts, ownCauseKinds: [] })).toBeNull();
  });

  it('finds none when the metric fell, even with a kind override that judges both ways', () => {
    // a backend whose memory (here `rss`, overridden to saturation) fell when its callers stopped
    const fell = of({ rss: series(1e6, -5e5), request_rate: series(40, 0) });
    expect(ownFault(fell, FROM, { rss: 1 }, { ...opts, metricKinds: { rss: 'saturation' } })).toBeNull();
    const rose = of({ rss: series(1e6, 5e5), request_rate: series(40, 0) });
    expect(ownFault(rose, FROM, { rss: 1 }, { ...opts, metricKinds: { rss: 'saturation' } })).toBe('rss');
  });

  it("finds none when the member's traffic moved too: its load came from its callers", () => {
    const retries = of({ cpu: series(0.2, 0.5), request_rate: series(40, 30) });
    expect(ownFault(retries, FROM, { cpu: 1 }, opts)).toBeNull();
    const starved = of({ cpu: series(0.2, 0.5), request_rate: series(40, -30) });
    expect(ownFault(starved, FROM, { cpu: 1 }, opts)).toBeNull();
  });

  it("ignores a traffic rate's small steps, which a neighbour's fault can cause (a tenth of the level is one spread)", () => {
    // a steady 10 s rate reads 38.9 or 44.4 rps at a 1 s scrape; a phase shift makes it read 41.7
    const steps = (i: number) => (i >= 100 ? 41.7 : i % 2 ? 38.9 : 44.4);
    const rate: MetricSeries = {
      timestamps: Array.from({ length: 110 }, (_, i) => T0 + i * 1000),
      values: Array.from({ length: 110 }, (_, i) => steps(i)),
    };
    expect(ownFault(of({ memory: series(1e6, 5e5), request_rate: rate }), FROM, { memory: 1 }, opts)).toBe(
      'memory',
    );
    // a third more load is its callers' doing
    expect(
      ownFault(of({ memory: series(1e6, 5e5), request_rate: series(40, 14) }), FROM, { memory: 1 }, opts),
    ).toBeNull();
  });

  it("finds none for a growth under the metric's spread floor, which a series sitting at 0 has no spread to judge", () => {
    // memory growth clamped at 0 (a GC wobble of a few bytes), then 60 kB/s: a busy neighbour's
    // side effect, far under a leak's megabytes per second and under the detector's 256 KiB/s floor
    const growth = of({ memory: series(1, 6e4), request_rate: series(40, 0) });
    expect(ownFault(growth, FROM, { memory: 1 }, opts)).toBe('memory');
    const floors = { ...opts, spreadFloors: { memory: 262_144 } };
    expect(ownFault(growth, FROM, { memory: 1 }, floors)).toBeNull();
    // a floor never applies to traffic: a load doubled by callers' retries is still their doing
    const retries = of({ memory: series(1, 4e6), request_rate: series(40, 40) });
    expect(
      ownFault(
        retries,
        FROM,
        { memory: 1 },
        { ...opts, spreadFloors: { memory: 262_144, request_rate: 100 } },
      ),
    ).toBeNull();
    // a leak of 4 MB/s is 15 floors
    expect(
      ownFault(of({ memory: series(1, 4e6), request_rate: series(40, 0) }), FROM, { memory: 1 }, floors),
    ).toBe('memory');
  });

  it('finds none without a traffic metric to tell its own load from its callers', () => {
    expect(ownFault(of({ memory: series(1e6, 5e5) }), FROM, { memory: 1 }, opts)).toBeNull();
  });

  it('finds none with too little history', () => {
    const young = of({
      memory: { timestamps: [FROM - 1000, FROM], values: [1, 9e9] },
      request_rate: series(40, 0),
    });
    expect(ownFault(young, FROM, { memory: 1 }, opts)).toBeNull();
  });
});

describe('causeOfMember', () => {
  // gateway calls orders and inventory; orders calls payments.
  const graph = new CallGraph([
    { caller: 'gateway', callee: 'orders' },
    { caller: 'gateway', callee: 'inventory' },
    { caller: 'orders', callee: 'payments' },
  ]);
  const base = { cause: 'orders', others: ['orders', 'gateway', 'inventory'], graph, ownFault: true };

  it('names the member itself when it has a fault of its own and calls no other member', () => {
    expect(causeOfMember({ ...base, member: 'inventory' })).toBe('inventory');
  });

  it('names the rank-1 entity when the member has no fault of its own', () => {
    expect(causeOfMember({ ...base, member: 'inventory', ownFault: false })).toBe('orders');
  });

  it('names the rank-1 entity for a member that calls it or another member, directly or through others', () => {
    expect(causeOfMember({ ...base, member: 'gateway' })).toBe('orders');
    // payments is ranked first, orders (which calls it) fills its pool: orders is its symptom
    expect(
      causeOfMember({ ...base, cause: 'payments', others: ['payments', 'orders'], member: 'orders' }),
    ).toBe('payments');
    // two faults: orders ranked first, payments second; gateway -> orders -> payments: orders' caller
    // is the symptom of one of them, never its own cause
    expect(
      causeOfMember({ ...base, member: 'gateway', cause: 'inventory', others: ['inventory', 'payments'] }),
    ).toBe('inventory');
  });

  it('names the rank-1 entity when the graph does not know the member or the cause', () => {
    expect(causeOfMember({ ...base, member: 'inventory', graph: new CallGraph([]) })).toBe('orders');
    expect(causeOfMember({ ...base, member: 'search', others: ['orders', 'search'] })).toBe('orders');
  });

  it('names the member itself when it is the rank-1 entity', () => {
    expect(causeOfMember({ ...base, member: 'orders' })).toBe('orders');
  });
});
