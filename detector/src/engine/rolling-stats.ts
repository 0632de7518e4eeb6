/**
 * A fixed-capacity window of the most recent values with a robust location/scale (median and
 * MAD). Used by the feature pipeline (rolling robust z-scores) and by score calibration.
 */
export class RollingWindow {
  private readonly buf: Float64Array;
  private head = 0;
  private count = 0;
  /**
   * The window's values in ascending order, kept up to date by push once medianMad has been asked
   * for (windows that only need the mean never pay for it): an O(n) insert instead of two
   * O(n log n) sorts per robust z-score.
   */
  private sorted: Float64Array | null = null;

  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(v: number): void {
    if (this.sorted !== null) {
      if (this.count === this.capacity) this.removeSorted(this.buf[this.head], this.count);
      this.insertSorted(v, this.count === this.capacity ? this.count - 1 : this.count);
    }
    this.buf[this.head] = v;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** The value the next push will evict (the oldest once full). */
  oldest(): number {
    return this.buf[(this.head - this.count + this.capacity) % this.capacity];
  }

  /** Values oldest first. */
  values(): number[] {
    const out: number[] = [];
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out.push(this.buf[(start + i) % this.capacity]);
    return out;
  }

  static from(capacity: number, values: readonly number[]): RollingWindow {
    const w = new RollingWindow(capacity);
    for (const v of values.slice(-capacity)) w.push(v);
    return w;
  }

  /**
   * Median and MAD (not scaled) of the window; NaN for an empty window. The absolute deviations
   * of sorted values fall on both sides of the median in opposite orders, so their median is found
   * by merging the two runs outward from the median; the sum runs over the values in ascending
   * order, as a sort-then-sum would, so the results are bit-identical to sorting.
   */
  medianMad(): { median: number; mad: number; meanAbsDev: number } {
    const n = this.count;
    if (n === 0) return { median: NaN, mad: NaN, meanAbsDev: NaN };
    if (this.sorted === null) {
      const s = new Float64Array(this.capacity);
      const start = (this.head - n + this.capacity) % this.capacity;
      for (let i = 0; i < n; i++) s[i] = this.buf[(start + i) % this.capacity];
      s.subarray(0, n).sort();
      this.sorted = s;
    }
    const s = this.sorted;
    const median = medianOfSorted(s.subarray(0, n));
    let sumAbs = 0;
    let split = n;
    for (let i = 0; i < n; i++) {
      sumAbs += Math.abs(s[i] - median);
      if (split === n && s[i] >= median) split = i;
    }
    // The k-th smallest deviations, k = n >> 1 (and k − 1 for an even n).
    const k = n >> 1;
    let lo = split - 1;
    let hi = split;
    let prev = NaN;
    let cur = NaN;
    for (let taken = 0; taken <= k; taken++) {
      const dl = lo >= 0 ? Math.abs(s[lo] - median) : Infinity;
      const dh = hi < n ? Math.abs(s[hi] - median) : Infinity;
      prev = cur;
      if (dl <= dh) {
        cur = dl;
        lo--;
      } else {
        cur = dh;
        hi++;
      }
    }
    const mad = n % 2 ? cur : (prev + cur) / 2;
    return { median, mad, meanAbsDev: sumAbs / n };
  }

  /** Removes one occurrence of v from sorted[0..n). */
  private removeSorted(v: number, n: number): void {
    const s = this.sorted as Float64Array;
    const i = lowerBound(s, n, v);
    s.copyWithin(i, i + 1, n);
  }

  /** Inserts v into sorted[0..n), which has room for one more. */
  private insertSorted(v: number, n: number): void {
    const s = this.sorted as Float64Array;
    const i = lowerBound(s, n, v);
    s.copyWithin(i + 1, i, n);
    s[i] = v;
  }

  mean(): number {
    let sum = 0;
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) sum += this.buf[(start + i) % this.capacity];
    return this.count ? sum / this.count : NaN;
  }
}

/**
 * First index in s[0..n) whose value is not below v, in a typed array's sort order (−0 before +0,
 * so the median of a window of zeros has the sign sorting would give it).
 */
function lowerBound(s: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const x = s[mid];
    if (x < v || (x === 0 && v === 0 && 1 / x < 1 / v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function medianOfSorted(s: ArrayLike<number>): number {
  const n = s.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0..1) of values, linear interpolation between order statistics (numpy's default). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
