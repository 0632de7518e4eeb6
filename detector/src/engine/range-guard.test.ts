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
});
