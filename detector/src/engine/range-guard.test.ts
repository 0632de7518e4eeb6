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

  it('with minExcess, judges a metric that never moved (an error ratio at 0 all warm-up), and measures every excess in margins', () => {
    const bare = new RangeGuard(1, 1, 10, 0, 30);
    const floored = new RangeGuard(1, 1, 10, 0, 30, [0.05]);
    for (const g of [bare, floored]) for (let i = 0; i < 50; i++) g.update([0]);
    // a few 5xx in a 10 s rate at 40 rps are within the step that counts; an error spike is not
    expect(floored.update([0.0025])).toEqual([]);
    expect(floored.update([0.04])).toEqual([]);
    expect([0.06, 0.08, 0.15].map((v) => floored.update([v]).length)).toEqual([1, 1, 1]);
    expect(floored.excess[0]).toBeCloseTo(3); // 0.15 is three margins of 0.05 beyond 0
    // without the floor the flat metric has no range and is never judged
    expect([0.03, 0.08, 0.15].some((v) => bare.update([v]).length > 0)).toBe(false);
    // at a small tolerance minExcess, not 2 % of it, is the step that counts (a GC's wobble is no leak)
    const memory = new RangeGuard(1, 0.02, 10, 0, 0, [65_536]);
    for (let i = 0; i < 20; i++) memory.update([0]);
    expect(memory.update([20_000])).toEqual([]);
    expect(memory.update([3_000_000])).toEqual([0]);
    // a metric that did move keeps its own range when it is wider than the floor
    const wide = new RangeGuard(1, 1, 10, 0, 5, [0.05]);
    for (let i = 0; i < 40; i++) wide.update([i % 2 ? 0.2 : 0]);
    expect(wide.update([0.35])).toEqual([]);
    expect(wide.update([0.45])).toEqual([0]);
    expect(wide.excess[0]).toBeCloseTo(1.25); // 0.25 beyond 0.2, in margins of tolerance × range
    // at tolerance 0.1 a metric 0.3 beyond a range of 1 is three margins of 0.1 out, further than one
    // 0.1 beyond 0 with a minExcess of 0.05 (two): in ranges it would have read 0.3 against 2
    const mixed = new RangeGuard(2, 0.1, 10, 0, 0, [0, 0.05]);
    for (let i = 0; i < 40; i++) mixed.update([i % 2, 0]);
    expect(mixed.update([1.3, 0.1])).toEqual([0, 1]);
    expect([...mixed.excess].map((e) => Math.round(e * 100) / 100)).toEqual([3, 2]);
  });

  it('with acceptAfter, keeps a fault out of the range for its length, then takes a lasting level as the new normal', () => {
    const learnsAtOnce = new RangeGuard(1, 1);
    const holdsOut = new RangeGuard(1, 1, 0, 0, 5);
    for (const g of [learnsAtOnce, holdsOut]) for (let i = 0; i < 20; i++) g.update([1 + (i % 2)]);
    const fault = [10, 11, 10.5, 11];
    // learning at once: the fault's first value widens the range and the rest of it is "in range"
    expect(fault.map((v) => learnsAtOnce.update([v]).length)).toEqual([1, 0, 0, 0]);
    // held out: every point of the fault alarms, and after it the normal values are in range
    expect(fault.map((v) => holdsOut.update([v]).length)).toEqual([1, 1, 1, 1]);
    expect(holdsOut.update([1.5])).toEqual([]);
    expect(holdsOut.update([10])).toEqual([0]); // the range never learned the fault
    expect(holdsOut.update([2])).toEqual([]);
    // a level that lasts past acceptAfter points in a row becomes the new normal (learned at the 6th)
    const level = Array.from({ length: 8 }, () => holdsOut.update([20]).length);
    expect(level).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    const restored = new RangeGuard(1, 1, 0, 0, 5);
    restored.restore(JSON.parse(JSON.stringify(holdsOut.toJSON())));
    expect(restored.update([19])).toEqual([]);
  });

  it('with acceptAfter, catches a ramp that a range learning at once follows step by step (a leak)', () => {
    const learnsAtOnce = new RangeGuard(1, 1);
    const holdsOut = new RangeGuard(1, 1, 0, 0, 10);
    for (const g of [learnsAtOnce, holdsOut]) for (let i = 0; i < 40; i++) g.update([i % 2]);
    // a ramp of 0.5 per point: each value is only a little beyond the last
    const ramp = Array.from({ length: 20 }, (_, i) => 1 + 0.5 * (i + 1));
    expect(ramp.some((v) => learnsAtOnce.update([v]).length > 0)).toBe(false);
    const flagged = ramp.map((v) => holdsOut.update([v]).length);
    // beyond 0..1 by a range from 2.5 on, flagged until acceptAfter + 1 in a row made it the new normal
    expect(flagged).toEqual([0, 0, ...new Array(11).fill(1), ...new Array(7).fill(0)]);
  });

  it('with acceptAfter, learns neither the rise nor the fall of a fault, so its bar does not creep fault after fault', () => {
    // the chaos stack's error ratio: at 0 all warm-up, tolerance 1, minExcess 0.05, 150 points held out
    const g = new RangeGuard(1, 1, 150, 0, 150, [0.05]);
    for (let i = 0; i < 200; i++) g.update([0]);
    // a 10 s rate rises and falls through the values just under the bar: 0.025 a point up to 0.5 and back
    const edge = Array.from({ length: 20 }, (_, i) => 0.025 * (i + 1));
    const fault = [...edge, ...new Array(30).fill(0.5), ...edge.reverse()];
    for (let n = 0; n < 4; n++) {
      const alarms = fault.map((v) => g.update([v]).length);
      expect(alarms.filter((a) => a > 0).length).toBe(fault.filter((v) => v > 0.05).length);
      for (let i = 0; i < 200; i++) expect(g.update([0])).toEqual([]);
    }
    // learned, each fault's edges doubled the bar (0.05, 0.1, 0.2, 0.4): a fault peaking at 0.09 is
    // still beyond it after four of them
    expect(g.update([0.09])).toEqual([0]);
    expect(g.toJSON().max).toEqual([0]);
    // the rise before an out-of-range value is dropped, and what follows the fall's tail is learned again
    const restored = new RangeGuard(1, 1, 150, 0, 150, [0.05]);
    restored.restore(JSON.parse(JSON.stringify(g.toJSON())));
    for (let i = 0; i < 400; i++) restored.update([i % 2 ? 0.04 : 0]);
    expect(restored.toJSON().max).toEqual([0.04]);
  });

  it('with acceptAfter, still learns a new level whose noise straddles the bar', () => {
    // 36..44 for ten minutes: the bar is at 52; then a deploy moves the level to 46..54
    const g = new RangeGuard(1, 1, 150, 0, 150);
    const wobble = [0, 4, -2, 3, -4, 1, -3, 2];
    for (let i = 0; i < 600; i++) g.update([40 + wobble[i % 8]!]);
    const alarms = Array.from({ length: 3600 }, (_, i) => g.update([50 + wobble[i % 8]!]).length);
    expect(alarms.slice(0, 150).some((a) => a > 0)).toBe(true); // the shift alarms at first
    expect(alarms.slice(600).some((a) => a > 0)).toBe(false); // and is the new normal after 150 points
    expect(g.toJSON().max[0]).toBeGreaterThanOrEqual(54);
  });

  it('learning at once (demo-fleet.yml), never alarms on a quantised rate it has seen, however many days later', () => {
    const DAY = 86_400_000;
    const g = new RangeGuard(1, 0.02, 1000, DAY);
    // a 1m rate at a 15 s scrape takes a few values (2, 2.0667, 2.1333 rps) for three days
    const levels = [2, 2 + 1 / 15, 2 + 2 / 15];
    const alarms: number[] = [];
    for (let i = 0; i < 3 * 5760; i++) if (g.update([levels[(i * 7) % 3]], i * 15_000).length) alarms.push(i);
    expect(alarms).toEqual([]);
    // only a value beyond all of them is "never seen", once: then it is seen
    expect(g.update([2.2], 3 * DAY)).toEqual([0]);
    expect(g.update([2.2], 3 * DAY + 15_000)).toEqual([]);
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
