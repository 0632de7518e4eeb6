import { DemandContext } from './demand-context';

// features: [cpu, latency_p95, request_rate]; medians 0.1 cores, 30 ms, 40 rps
const F = ['cpu', 'latency_p95', 'request_rate'];
const MED = [0.1, 0.03, 40];
const IN = [0, 0, 0];
const at = (values: number[], rangeSide = IN, medians: number[] | null = MED) =>
  new DemandContext(F).update({ rangeSide, values, medians });

describe('DemandContext', () => {
  it('takes a resource that moves with demand, as far or up to three times as far, as context', () => {
    expect(at([0.2, 0.03, 80])).toEqual([true, false, true]); // both doubled
    expect(at([0.35, 0.03, 80])).toEqual([true, false, true]); // 3.5x under 2x (GC pressure)
    expect(at([0.45, 0.03, 80])).toEqual([false, false, true]); // 4.5x under 2x: beyond 3 times
    expect(at([0.06, 0.03, 20])).toEqual([true, false, true]); // both halved (a stress turn ends)
    // latency is never context
    expect(at([0.2, 0.3, 80])[1]).toBe(false);
  });

  it('keeps a resource that moves on its own, or far more than demand, or against it, a fault signal', () => {
    expect(at([1, 0.03, 40])).toEqual([false, false, true]); // demand steady
    expect(at([1, 0.03, 50])).toEqual([false, false, true]); // 10x CPU under 1.25x demand
    expect(at([0.3, 0.03, 30])).toEqual([false, false, true]); // CPU up while demand falls
    // a quantised rate a quantum off its median has not moved
    expect(at([1, 0.03, 40.1])).toEqual([false, false, true]);
  });

  it('counts demand beyond its range as moved, and judges by direction alone without medians', () => {
    // both beyond their ranges, at their medians: a new level both reached together
    expect(at([0.1, 0.03, 40], [1, 0, 1])).toEqual([true, false, true]);
    // demand beyond its range at its median, the CPU at twice its own: more than demand explains
    expect(at([0.2, 0.03, 40], [1, 0, 1])).toEqual([false, false, true]);
    expect(at([0.2, 0.03, 80], [1, 0, 0], null)).toEqual([false, false, true]);
    expect(at([0.2, 0.03, 80], [1, 0, 1], null)).toEqual([true, false, true]);
  });

  it('keeps a growth rate that sits at 0 (memory, disk) a fault signal while demand moves', () => {
    const d = new DemandContext(['memory', 'request_rate']);
    expect(d.update({ rangeSide: [1, 0], values: [3e6, 46], medians: [0, 40] })).toEqual([false, true]);
  });

  it('lets demand below everything seen alarm (a service that stops answering, callers gone)', () => {
    expect(at([0.02, 0.03, 0], [0, 0, -1])).toEqual([true, false, false]);
  });

  it('judges traffic on its own when it is all the entity has, and nothing when told no feature is demand', () => {
    const alone = new DemandContext(['request_rate']);
    expect(alone.update({ rangeSide: [1], values: [80], medians: [40] })).toEqual([false]);
    const off = new DemandContext(F, { demand: [] });
    expect(off.active).toBe(false);
    expect(off.update({ rangeSide: IN, values: [0.2, 0.03, 80], medians: MED })).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('takes demand from request counts by name, not from every counter or rate', () => {
    const d = new DemandContext(['restarts_total', 'packet_drop_rate', 'http_requests_total', 'cpu']);
    const c = d.update({ rangeSide: [0, 0, 0, 0], values: [1, 1, 1, 1], medians: [1, 1, 1, 1] });
    expect(c).toEqual([false, false, true, false]);
  });
});
