export interface RangeGuardState {
  min: (number | null)[];
  max: (number | null)[];
}

/**
 * The "spatial" rule of NAB's Numenta detector, per metric: a value more than `tolerance` × the
 * range seen so far below the lowest or above the highest value seen is out of range. Cheap, causal
 * and exactly what an operator means by "never seen CPU this high".
 */
export class RangeGuard {
  private min: (number | null)[];
  private max: (number | null)[];

  constructor(
    readonly metrics: number,
    readonly tolerance = 0.05,
  ) {
    this.min = new Array<number | null>(metrics).fill(null);
    this.max = new Array<number | null>(metrics).fill(null);
  }

  /** Checks then learns one step; returns the indices of the metrics out of range (gaps skipped). */
  update(values: ArrayLike<number | null>): number[] {
    const out: number[] = [];
    for (let m = 0; m < this.metrics; m++) {
      const v = values[m];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const lo = this.min[m];
      const hi = this.max[m];
      if (lo !== null && hi !== null && hi > lo) {
        const tol = (hi - lo) * this.tolerance;
        if (v > hi + tol || v < lo - tol) out.push(m);
      }
      if (lo === null || v < lo) this.min[m] = v;
      if (hi === null || v > hi) this.max[m] = v;
    }
    return out;
  }

  toJSON(): RangeGuardState {
    return { min: [...this.min], max: [...this.max] };
  }

  restore(s: RangeGuardState): void {
    this.min = [...s.min];
    this.max = [...s.max];
  }
}
