import type { MetricSeries } from '../../engine/root-cause';

/**
 * The last `size` points of one entity's features, for the root-cause ranker: it judges each metric
 * against its own recent history, which the scoring models do not keep in raw form.
 */
export class LiveWindow {
  private readonly timestamps: number[] = [];
  private readonly rows: (number | null)[][] = [];

  constructor(private readonly size: number) {}

  push(timestamp: number, row: ArrayLike<number | null>): void {
    this.timestamps.push(timestamp);
    this.rows.push(Array.from(row));
    // Trim in batches: shifting a JS array is O(n), once per `size / 4` points is cheap enough.
    if (this.timestamps.length > this.size * 1.25) {
      const drop = this.timestamps.length - this.size;
      this.timestamps.splice(0, drop);
      this.rows.splice(0, drop);
    }
  }

  /** Per feature, the points held (a feature's column by its index in `features`). */
  series(features: readonly string[]): Map<string, MetricSeries> {
    const out = new Map<string, MetricSeries>();
    const from = Math.max(0, this.timestamps.length - this.size);
    const ts = this.timestamps.slice(from);
    features.forEach((f, i) =>
      out.set(f, { timestamps: ts, values: this.rows.slice(from).map((r) => r[i] ?? null) }),
    );
    return out;
  }
}
