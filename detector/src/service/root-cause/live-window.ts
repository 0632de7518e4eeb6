import type { MetricSeries } from '../../engine/root-cause';

/**
 * The last `size` points of one entity's features, for the root-cause ranker: it judges each metric
 * against its own recent history, which the scoring models do not keep in raw form.
 */
export class LiveWindow {
  private readonly timestamps: number[] = [];
  private readonly rows: (number | null)[][] = [];
  /** Whether the entity was above the alarm line at each point. */
  private readonly anomalous: boolean[] = [];

  constructor(private readonly size: number) {}

  push(timestamp: number, row: ArrayLike<number | null>, anomalous = false): void {
    this.timestamps.push(timestamp);
    this.rows.push(Array.from(row));
    this.anomalous.push(anomalous);
    // Trim in batches: shifting a JS array is O(n), once per `size / 4` points is cheap enough.
    if (this.timestamps.length > this.size * 1.25) {
      const drop = this.timestamps.length - this.size;
      this.timestamps.splice(0, drop);
      this.rows.splice(0, drop);
      this.anomalous.splice(0, drop);
    }
  }

  /**
   * Per feature, the points held (a feature's column by its index in `features`). Points before
   * `before` where the entity was above the alarm line are gaps: the history a metric is judged
   * against is the entity's normal operation, not an earlier incident. With the earlier fault in
   * it, a service's second error spike within minutes sat under 2 robust deviations of a history
   * that held the first, could not explain its caller's errors, and the ranker named the caller
   * (a chaos campaign's error spike on inventory, blamed on the gateway).
   */
  series(features: readonly string[], before = -Infinity, minHistory = 0): Map<string, MetricSeries> {
    const out = new Map<string, MetricSeries>();
    const from = Math.max(0, this.timestamps.length - this.size);
    const ts = this.timestamps.slice(from);
    let masked = ts.map((t, k) => t < before && this.anomalous[from + k]);
    // An entity above the line for most of the window (a slow leak) would keep too little normal
    // history to be judged at all, and score 0 however wrong it is now: then judge it against all
    // of it, as before (median and IQR tolerate some of it being an earlier incident).
    const normal = ts.filter((t, k) => t < before && !masked[k]).length;
    if (normal < minHistory) masked = masked.map(() => false);
    features.forEach((f, i) =>
      out.set(f, {
        timestamps: ts,
        values: this.rows.slice(from).map((r, k) => (masked[k] ? null : (r[i] ?? null))),
      }),
    );
    return out;
  }
}
