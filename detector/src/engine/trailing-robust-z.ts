import { RollingWindow } from './rolling-stats';

export interface TrailingRobustZState {
  windows: number[][];
}

/** |z| is clipped here: beyond 20 robust deviations "how far" carries no more information. */
export const Z_CLIP = 20;

/**
 * Per metric, how many robust deviations (1.4826 × MAD) a value lies from the median of the
 * trailing `points` values before it: a spike or a drop that the forest sees as one point among
 * its training sample stands out here against the recent past. Values are judged before they are
 * learnt, so the stage is causal.
 */
export class TrailingRobustZ {
  private windows: RollingWindow[];
  /** Per metric, the median the last value was judged against (NaN: not judged). */
  readonly median: Float64Array;

  /**
   * @param floor smallest spread a z is measured in: `relative` × the window's median magnitude
   *   (0: none), and per metric (by position) an `absolute` one in the metric's unit. A Prometheus
   *   rate of steady traffic is quantised (a 10 s rate of ~40 rps takes two or three values), so its
   *   MAD is 0 and a shift of the scrape's phase against the traffic (1-2 %) would read as 20
   *   deviations; a growth rate that sits at 0 (memory) would read a 20 kB/s wobble the same way,
   *   and an error ratio at 0 one 5xx. The floor bounds how small a change can score high; it is a
   *   minimum spread, not a dead band like vmanomaly's `min_dev_from_expected` (absolute) and
   *   `min_rel_dev_from_expected` (relative), and the relative one suits series that are >= 0
   *   and where 0 means none (it scales with the level, so an offset changes it).
   */
  constructor(
    readonly metrics: number,
    readonly points: number,
    readonly floor: { relative?: number; absolute?: readonly number[] } = {},
  ) {
    this.windows = Array.from({ length: metrics }, () => new RollingWindow(Math.max(8, points)));
    this.median = new Float64Array(metrics);
  }

  /**
   * Judges then learns one step: |z| per metric, clipped at Z_CLIP; NaN for a gap (null) or while
   * the metric's window holds fewer than 8 values.
   */
  update(values: ArrayLike<number | null>): Float64Array {
    const out = new Float64Array(this.metrics).fill(NaN);
    this.median.fill(NaN);
    for (let m = 0; m < this.metrics; m++) {
      const v = values[m];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      const w = this.windows[m];
      if (w.size >= 8) {
        const { median, mad } = w.medianMad();
        // The floors keep a flat window (MAD 0) from turning any change into z = ∞; relative to the
        // level, so they mean the same for bytes and for ratios.
        const floor = Math.max(
          1e-9 * Math.max(1, Math.abs(median)),
          (this.floor.relative ?? 0) * Math.abs(median),
          this.floor.absolute?.[m] ?? 0,
        );
        const z = Math.abs(v - median) / Math.max(1.4826 * mad, floor);
        out[m] = Math.min(z, Z_CLIP);
        this.median[m] = median;
      }
      w.push(v);
    }
    return out;
  }

  toJSON(): TrailingRobustZState {
    return { windows: this.windows.map((w) => w.values()) };
  }

  restore(s: TrailingRobustZState): void {
    if (s.windows.length !== this.metrics) throw new Error('robust z state has the wrong number of metrics');
    this.windows = s.windows.map((v) => RollingWindow.from(Math.max(8, this.points), v));
  }
}
