import { causeOfMember } from './member-cause';
import type { RankedEntity } from './types';

const opts = { ownCauseKinds: ['saturation'] as const };
// gateway calls orders and inventory; orders calls payments.
const edges = [
  { caller: 'gateway', callee: 'orders' },
  { caller: 'gateway', callee: 'inventory' },
  { caller: 'orders', callee: 'payments' },
];
const ranked = (...r: Partial<RankedEntity>[]): RankedEntity[] =>
  r.map((x) => ({ entity: '', score: 0, topMetric: '', deviation: 0, ...x }));

describe('causeOfMember', () => {
  // orders has a CPU spike (rank 1); inventory, which never calls orders, leaks memory meanwhile.
  const incident = ranked(
    { entity: 'orders', score: 9, topMetric: 'cpu', onset: 1 },
    { entity: 'inventory', score: 6, topMetric: 'memory', onset: 2 },
    { entity: 'gateway', score: 2, topMetric: 'latency_p95', onset: 2 },
  );

  it('names the member itself when its own saturation alarm is one the cause cannot have raised', () => {
    const cause = causeOfMember(
      { member: 'inventory', ranked: incident, edges, attributions: { memory: 0.7, cpu: 0.1 } },
      opts,
    );
    expect(cause).toBe('inventory');
  });

  it('names the rank-1 entity for a member that calls it, whatever its alarm is about', () => {
    const cause = causeOfMember(
      { member: 'gateway', ranked: incident, edges, attributions: { memory: 0.9 } },
      opts,
    );
    expect(cause).toBe('orders');
    // through another entity too: a caller of orders' caller
    const deeper = ranked(
      { entity: 'payments', score: 9, topMetric: 'cpu', onset: 1 },
      { entity: 'gateway', score: 3, topMetric: 'memory', onset: 2 },
    );
    expect(
      causeOfMember({ member: 'gateway', ranked: deeper, edges, attributions: { memory: 1 } }, opts),
    ).toBe('payments');
  });

  it('names the rank-1 entity when the member alarms on something else than its saturation', () => {
    // the ranker's top metric is memory, but the detector alarmed on the member's traffic
    const cause = causeOfMember(
      { member: 'inventory', ranked: incident, edges, attributions: { request_rate: 0.8, memory: 0.1 } },
      opts,
    );
    expect(cause).toBe('orders');
    // and with no attributions at all, nothing says the member's alarm is its own
    expect(causeOfMember({ member: 'inventory', ranked: incident, edges }, opts)).toBe('orders');
  });

  it("names the rank-1 entity when the member's metric moved only its good way (no onset)", () => {
    // the gateway failed; inventory, which it stopped calling, alarms on a CPU that fell
    const gatewayDown = ranked(
      { entity: 'gateway', score: 9, topMetric: 'error_ratio', onset: 1 },
      { entity: 'inventory', score: 0, topMetric: 'cpu' },
    );
    expect(
      causeOfMember({ member: 'inventory', ranked: gatewayDown, edges, attributions: { cpu: 1 } }, opts),
    ).toBe('gateway');
  });

  it('names the rank-1 entity for a member whose top metric is latency or errors, and for every member with no own-cause kind', () => {
    const latency = ranked(
      { entity: 'orders', score: 9, topMetric: 'cpu', onset: 1 },
      { entity: 'inventory', score: 5, topMetric: 'latency_p95', onset: 2 },
    );
    expect(
      causeOfMember({ member: 'inventory', ranked: latency, edges, attributions: { latency_p95: 1 } }, opts),
    ).toBe('orders');
    expect(
      causeOfMember(
        { member: 'inventory', ranked: incident, edges, attributions: { memory: 1 } },
        { ownCauseKinds: [] },
      ),
    ).toBe('orders');
  });

  it('follows metric kinds given explicitly', () => {
    const custom = ranked(
      { entity: 'orders', score: 9, topMetric: 'cpu', onset: 1 },
      { entity: 'inventory', score: 5, topMetric: 'rss', onset: 2 },
    );
    const input = { member: 'inventory', ranked: custom, edges, attributions: { rss: 1 } };
    expect(causeOfMember(input, opts)).toBe('orders');
    expect(causeOfMember(input, { ...opts, metricKinds: { rss: 'saturation' } })).toBe('inventory');
  });

  it('names the member itself when it is the rank-1 entity, and nothing before a ranking', () => {
    expect(causeOfMember({ member: 'orders', ranked: incident, edges }, opts)).toBe('orders');
    expect(causeOfMember({ member: 'orders', ranked: [], edges }, opts)).toBeUndefined();
  });
});
