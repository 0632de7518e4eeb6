export interface RangeGuardState {
  min: (number | null)[];
  max: (number | null)[];
  /** Values seen per metric, and when the first one was (ms). */
  count?: number[];
  first?: (number | null)[];
}

/**
 * The "spatial" rule of NAB's Numenta detector, per metric: a value more than `tolerance` × the
 * range seen so far below the lowest or above the highest value seen is out of range. Cheap, causal
 * and exactly what an operator means by "never seen CPU this high".
 *
 * A metric is judged only once it has `minPoints` values of its own and they span `minSpanMs`: early
 * on every new extreme is "beyond everything seen" (in noise the n-th value is a new maximum with
 * probability 1/n), and a model started at night has not seen the daily peak yet.
 */
export class RangeGuard {
  private min: (number | null)[];
  private max: (number | null)[];
  private count: number[];
  private first: (number | null)[];

  constructor(
    readonly metrics: number,
    readonly tolerance = 0.05,
    readonly minPoints = 0,
    readonly minSpanMs = 0,
  ) {
    this.min = new Array<number | null>(metrics).fill(null);
    this.max = new Array<number | null>(metrics).fill(null);
    this.count = new Array<number>(metrics).fill(0);
    this.first = new Array<number | null>(metrics).fill(null);
  }

  /** Checks then learns one step; returns the indices of the metrics out of range (gaps skipped). */
  update(values: ArrayLike<number | null>, timestampMs = 0): number[] {
    const out: number[] = [];
    for (let m = 0; m < this.metrics; m++) {
      const v = values[m];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const lo = this.min[m];
      const hi = this.max[m];
      const first = this.first[m];
      const armed =
        this.count[m] >= this.minPoints && first !== null && timestampMs - first >= this.minSpanMs;
      if (armed && lo !== null && hi !== null && hi > lo) {
        const tol = (hi - lo) * this.tolerance;
        if (v > hi + tol || v < lo - tol) out.push(m);
      }
      if (lo === null || v < lo) this.min[m] = v;
      if (hi === null || v > hi) this.max[m] = v;
      this.count[m]++;
      if (first === null) this.first[m] = timestampMs;
    }
    return out;
  }

  toJSON(): RangeGuardState {
    return { min: [...this.min], max: [...this.max], count: [...this.count], first: [...this.first] };
  }

  restore(s: RangeGuardState): void {
    this.min = [...s.min];
    this.max = [...s.max];
    this.count = s.count ? [...s.count] : new Array<number>(this.metrics).fill(this.minPoints);
    this.first = s.first ? [...s.first] : new Array<number | null>(this.metrics).fill(-Infinity);
  }
}
