/**
 * A fixed-capacity window of the most recent values with a robust location/scale (median and
 * MAD). Used by the feature pipeline (rolling robust z-scores) and by score calibration.
 */
export class RollingWindow {
  private readonly buf: Float64Array;
  private head = 0;
  private count = 0;
  private readonly scratch: Float64Array;

  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
    this.scratch = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(v: number): void {
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

  /** Median and MAD (not scaled) of the window; NaN for an empty window. */
  medianMad(): { median: number; mad: number; meanAbsDev: number } {
    const n = this.count;
    if (n === 0) return { median: NaN, mad: NaN, meanAbsDev: NaN };
    const s = this.scratch.subarray(0, n);
    const start = (this.head - n + this.capacity) % this.capacity;
    for (let i = 0; i < n; i++) s[i] = this.buf[(start + i) % this.capacity];
    s.sort();
    const median = medianOfSorted(s);
    let sumAbs = 0;
    for (let i = 0; i < n; i++) {
      s[i] = Math.abs(s[i] - median);
      sumAbs += s[i];
    }
    s.sort();
    return { median, mad: medianOfSorted(s), meanAbsDev: sumAbs / n };
  }

  mean(): number {
    let sum = 0;
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) sum += this.buf[(start + i) % this.capacity];
    return this.count ? sum / this.count : NaN;
  }
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
