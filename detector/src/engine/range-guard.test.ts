import { RangeGuard } from './range-guard';

describe('RangeGuard', () => {
  it('flags a value beyond the seen range by more than the tolerance, per metric, and learns it', () => {
    const g = new RangeGuard(2, 0.05);
    expect(g.update([10, 1])).toEqual([]); // no range yet
    expect(g.update([20, 2])).toEqual([]); // range 10..20 and 1..2 learned
    expect(g.update([20.4, 1.5])).toEqual([]); // within 5 % of the range (0.5)
    expect(g.update([21, 1.5])).toEqual([0]); // 1 above the max > 0.5 tolerance
    expect(g.update([21, 0.5])).toEqual([1]); // the max moved to 21; metric 1 below its min
    expect(g.update([null, 3])).toEqual([1]); // gaps are skipped
  });

  it('does not alarm on a flat series until it has a range', () => {
    const g = new RangeGuard(1);
    for (let i = 0; i < 10; i++) expect(g.update([5])).toEqual([]);
    expect(g.update([6])).toEqual([]);
    expect(g.update([5.5])).toEqual([]);
    expect(g.update([7])).toEqual([0]);
  });

  it('restores its state', () => {
    const a = new RangeGuard(1);
    a.update([1]);
    a.update([2]);
    const b = new RangeGuard(1);
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.update([3])).toEqual([0]);
  });

  it('judges a metric only after its own minPoints values spanning minSpanMs', () => {
    const HOUR = 3_600_000;
    const g = new RangeGuard(2, 0.02, 10, 24 * HOUR);
    const seen: Record<number, number[]> = {};
    // metric 1 appears 5 h after metric 0; both jump to 9 at hour 20 and again at hour 30
    for (let h = 0; h < 31; h++) {
      const jump = h === 20 || h === 30;
      const v0 = jump ? 9 + h : 1 + (h % 2);
      const v1 = h < 5 ? null : jump ? 9 + h : 1 + (h % 2);
      seen[h] = g.update([v0, v1], h * HOUR);
    }
    expect(seen[20]).toEqual([]); // 20 h seen: not a whole day yet, for either
    expect(seen[30]).toEqual([0, 1]); // metric 0: 30 h seen; metric 1: 25 h of its own
    const late = new RangeGuard(1, 0.02, 10, 0);
    for (let i = 0; i < 10; i++) expect(late.update([i % 2], i)).toEqual([]);
    expect(late.update([100], 10)).toEqual([0]); // judged from its 11th value, after 10 seen
  });
});
