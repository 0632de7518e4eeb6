export interface RangeGuardState {
  min: (number | null)[];
  max: (number | null)[];
  /** Values seen per metric, and when the first one was (ms). */
  count?: number[];
  first?: (number | null)[];
  /** Consecutive out-of-range values per metric not yet learned (acceptAfter). */
  run?: number[];
  /** Per metric, values judged but not yet learned, oldest first (acceptAfter). */
  pending?: number[][];
  /** Per metric, points left of the tail of its last out-of-range value (acceptAfter). */
  tail?: number[];
}

/**
 * The "spatial" rule of NAB's Numenta detector, per metric: a value more than `tolerance` × the
 * range seen so far below the lowest or above the highest value seen is out of range. Cheap, causal
 * and exactly what an operator means by "never seen CPU this high".
 *
 * A metric is judged only once it has `minPoints` values of its own and they span `minSpanMs`: early
 * on every new extreme is "beyond everything seen" (in noise the n-th value is a new maximum with
 * probability 1/n), and a model started at night has not seen the daily peak yet.
 *
 * With `acceptAfter` > 0 the rule does not learn from incidents: a value joins the range only once
 * it is `acceptAfter` points old and was in range when judged, and out-of-range values only when
 * `acceptAfter` of them in a row make a new normal. So a fault keeps alarming for its length (a
 * range that learns at once widens to a jump's first value, and the next one is "in range"), and a
 * ramp faster than the range per `acceptAfter` points (a leak) is caught (learned at once, each step
 * of a ramp is only a little beyond the last). 0 learns every value at once, and so does a metric
 * whose rule is not armed yet.
 *
 * An incident's edges are not learned either: the in-range values still pending when a metric
 * leaves its range (the rise) and the next `acceptAfter` in-range values after each out-of-range
 * one (the fall). A 10 s rate rises and falls through values just under the bar; learned, each
 * fault raised the bar by up to a whole margin, and at tolerance 1 the error ratio's bar of a
 * service crept from 0.05 to 0.65 over a campaign, so a later fault peaking at 0.09 was never
 * detected. A new level is still learned when its noise straddles the bar: after an out-of-range
 * value, values beyond everything learned but under the bar count towards the `acceptAfter` in a
 * row. What no longer widens the range is a metric that pokes beyond the bar now and then from
 * within its range: it keeps alarming (each poke is a new extreme) until `acceptAfter` in a row.
 *
 * `minExcess` (per metric, in its unit; 0 by default) is the smallest step beyond the range that
 * counts, whatever `tolerance` × the range is. Without it a metric that never moved (an error ratio
 * or a growth rate that sat at 0 through the warm-up) has no range and is never judged, so a fault
 * on it waited for the slower likelihood (an error spike alarmed 6 s after its first 5xx). It is a
 * setting of its own, not the robust z's floor: that floor is one deviation, and a value one
 * deviation beyond everything seen is no certain alarm (a few 5xx while a neighbour restarts).
 */
export class RangeGuard {
  private min: (number | null)[];
  private max: (number | null)[];
  private count: number[];
  private first: (number | null)[];
  private run: number[];
  private pending: number[][];
  private tail: number[];
  /**
   * Per metric, how far beyond its range the last update's value was, in its own margins (the
   * step that counts: tolerance × range, or minExcess), so ≥ 1 when out of range and 0 otherwise:
   * several metrics out of range at once are attributed by it, in one unit whatever their kind.
   */
  readonly excess: Float64Array;
  /** Per metric, which side of its range the last update's value left it by: 1 above, -1 below, 0 in range. */
  readonly side: Int8Array;

  constructor(
    readonly metrics: number,
    readonly tolerance = 0.05,
    readonly minPoints = 0,
    readonly minSpanMs = 0,
    readonly acceptAfter = 0,
    readonly minExcess: readonly number[] = [],
  ) {
    this.min = new Array<number | null>(metrics).fill(null);
    this.max = new Array<number | null>(metrics).fill(null);
    this.count = new Array<number>(metrics).fill(0);
    this.first = new Array<number | null>(metrics).fill(null);
    this.run = new Array<number>(metrics).fill(0);
    this.pending = Array.from({ length: metrics }, () => []);
    this.tail = new Array<number>(metrics).fill(0);
    this.excess = new Float64Array(metrics);
    this.side = new Int8Array(metrics);
  }

  /** Checks then learns one step; returns the indices of the metrics out of range (gaps skipped). */
  update(values: ArrayLike<number | null>, timestampMs = 0): number[] {
    const out: number[] = [];
    this.excess.fill(0);
    this.side.fill(0);
    for (let m = 0; m < this.metrics; m++) {
      const v = values[m];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const lo = this.min[m];
      const hi = this.max[m];
      const first = this.first[m];
      const armed =
        this.count[m] >= this.minPoints && first !== null && timestampMs - first >= this.minSpanMs;
      let outside = false;
      const floor = this.minExcess[m] ?? 0;
      if (armed && lo !== null && hi !== null && (hi > lo || floor > 0)) {
        const tol = Math.max((hi - lo) * this.tolerance, floor);
        outside = v > hi + tol || v < lo - tol;
        if (outside) {
          this.excess[m] = (v > hi ? v - hi : lo - v) / tol;
          this.side[m] = v > hi ? 1 : -1;
        }
      }
      this.count[m]++;
      if (first === null) this.first[m] = timestampMs;
      if (outside) out.push(m);
      // before the rule is armed there is no incident to keep out: everything seen is learned
      if (this.acceptAfter === 0 || !armed) {
        this.learn(m, v);
        continue;
      }
      if (outside) {
        this.run[m]++;
        // the rise into it (still pending) and the fall out of it are the incident's, not the range's
        this.pending[m] = [];
        this.tail[m] = this.acceptAfter;
        // a level that lasted: the new normal, learned now
        if (this.run[m] > this.acceptAfter) this.learn(m, v);
        continue;
      }
      // After an out-of-range value, a value beyond everything learned, though under the bar, keeps
      // the run going: a new level whose noise straddles the bar is then learned like one wholly
      // beyond it (reset, each dip under the bar restarted the run and the tail, and it alarmed for
      // as long as the level lasted). A fault's edges end at once on its way back into the range.
      const beyondLearned = lo !== null && hi !== null && (v > hi || v < lo);
      if (beyondLearned && this.run[m] > 0) {
        this.run[m]++;
        if (this.run[m] > this.acceptAfter) {
          this.learn(m, v);
          continue;
        }
      } else this.run[m] = 0;
      if (this.tail[m] > 0) {
        this.tail[m]--;
        continue;
      }
      const q = this.pending[m];
      q.push(v);
      if (q.length > this.acceptAfter) this.learn(m, q.shift()!);
    }
    return out;
  }

  private learn(m: number, v: number): void {
    if (this.min[m] === null || v < this.min[m]!) this.min[m] = v;
    if (this.max[m] === null || v > this.max[m]!) this.max[m] = v;
  }

  toJSON(): RangeGuardState {
    return {
      min: [...this.min],
      max: [...this.max],
      count: [...this.count],
      first: [...this.first],
      run: [...this.run],
      pending: this.pending.map((q) => [...q]),
      tail: [...this.tail],
    };
  }

  restore(s: RangeGuardState): void {
    this.min = [...s.min];
    this.max = [...s.max];
    this.count = s.count ? [...s.count] : new Array<number>(this.metrics).fill(this.minPoints);
    this.first = s.first ? [...s.first] : new Array<number | null>(this.metrics).fill(-Infinity);
    this.run = s.run ? [...s.run] : new Array<number>(this.metrics).fill(0);
    this.pending = s.pending ? s.pending.map((q) => [...q]) : Array.from({ length: this.metrics }, () => []);
    this.tail = s.tail ? [...s.tail] : new Array<number>(this.metrics).fill(0);
  }
}
