import { DemandContext } from './demand-context';
import { ScoringPipeline } from './scoring-pipeline';

// features: [cpu, latency_p95, request_rate]; one point's verdicts: range sides, robust z and its sides
const none = [0, 0, 0];

describe('DemandContext', () => {
  it('treats demand as context always, and a resource while it moves the way demand moved within the hold', () => {
    const d = new DemandContext(['cpu', 'latency_p95', 'request_rate'], 3);
    // demand 6 deviations up, the CPU up with it, latency up too
    expect(d.update(none, [4, 6, 6], [1, 1, 1])).toEqual([true, false, true]);
    // demand back within 5 deviations: the CPU still counts as following it for the hold
    expect(d.update(none, [4, 0, 1], [1, 1, 1])).toEqual([true, false, true]);
    // a CPU moving down while demand rose is not demand's doing
    expect(d.update(none, [4, 0, 1], [-1, 1, 1])).toEqual([false, false, true]);
    // the hold (3 points) has run out
    expect(d.update(none, [4, 0, 1], [1, 1, 1])).toEqual([false, false, true]);
    // beyond its range counts as moving, whatever the robust z says
    expect(d.update([1, 0, 1], [0, 0, 0], [0, 0, 0])).toEqual([true, false, true]);
    expect(d.update([-1, 0, 0], null, null)).toEqual([false, false, true]);
  });

  it('judges traffic on its own when it is all the entity has, and nothing when told no feature is demand', () => {
    expect(new DemandContext(['request_rate'], 3).update([1], [9], [1])).toEqual([false]);
    const off = new DemandContext(['cpu', 'request_rate'], 3, { demand: [] });
    expect(off.active).toBe(false);
    expect(off.update([1, 1], [9, 9], [1, 1])).toEqual([false, false]);
  });

  it('keeps the hold across a snapshot, in the pipeline state too', () => {
    const a = new DemandContext(['cpu', 'request_rate'], 5);
    a.update([0, 1], null, null);
    const b = new DemandContext(['cpu', 'request_rate'], 5);
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.update([1, 0], null, null)).toEqual([true, true]);
    expect(new DemandContext(['cpu', 'request_rate'], 5).update([1, 0], null, null)).toEqual([false, true]);
    const p = new ScoringPipeline({ features: ['cpu', 'request_rate'] });
    expect(JSON.parse(JSON.stringify(p.toJSON())).demand).toEqual({ up: 0, down: 0 });
  });
});
