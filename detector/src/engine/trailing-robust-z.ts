import { RollingWindow } from './rolling-stats';

/** Largest |robust z| of one step across metrics, and the metric it came from (-1: none). */
export interface RobustZ {
  z: number;
  metric: number;
}

export interface TrailingRobustZState {
  windows: number[][];
  /** The last `recent` steps' |z| per metric, oldest first. */
  recent?: number[][];
}

/** |z| is clipped here: beyond 20 robust deviations "how far" carries no more information. */
export const Z_CLIP = 20;

/**
 * Per metric, how many robust deviations (1.4826 × MAD) a value lies from the median of the
 * trailing `points` values before it: a spike or a drop that the forest sees as one point among
 * its training sample stands out here against the recent past. Values are judged before they are
 * learnt, so the stage is causal.
 *
 * `metric` names the metric with the largest |z| summed over the last `recent` steps, not just this
 * one: the likelihood rates a short average of the stage's scores, so the alarm outlasts the spike
 * by a few points, and it must keep naming the metric that spiked rather than whichever is noisiest
 * now.
 */
export class TrailingRobustZ {
  private windows: RollingWindow[];
  private recent: Float64Array[];
  private recentHead = 0;

  constructor(
    readonly metrics: number,
    readonly points: number,
    readonly recentSteps = 10,
  ) {
    this.windows = Array.from({ length: metrics }, () => new RollingWindow(Math.max(8, points)));
    this.recent = Array.from({ length: Math.max(1, recentSteps) }, () => new Float64Array(metrics));
  }

  /** Judges then learns one step; gaps (null) are skipped. */
  update(values: ArrayLike<number | null>): RobustZ {
    let z = 0;
    const now = this.recent[this.recentHead];
    this.recentHead = (this.recentHead + 1) % this.recent.length;
    now.fill(0);
    for (let m = 0; m < this.metrics; m++) {
      const v = values[m];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      const w = this.windows[m];
      if (w.size >= 8) {
        const { median, mad } = w.medianMad();
        // The floor keeps a flat window (MAD 0) from turning any change into z = ∞; relative to the
        // level, so it means the same for bytes and for ratios.
        const zm = Math.abs(v - median) / Math.max(1.4826 * mad, 1e-9 * Math.max(1, Math.abs(median)));
        now[m] = Math.min(zm, Z_CLIP);
        if (zm > z) z = zm;
      }
      w.push(v);
    }
    let metric = -1;
    let best = 0;
    for (let m = 0; m < this.metrics; m++) {
      let sum = 0;
      for (const r of this.recent) sum += r[m];
      if (sum > best) {
        best = sum;
        metric = m;
      }
    }
    return { z: Math.min(z, Z_CLIP), metric };
  }

  toJSON(): TrailingRobustZState {
    const n = this.recent.length;
    const recent = Array.from({ length: n }, (_, i) => [...this.recent[(this.recentHead + i) % n]]);
    return { windows: this.windows.map((w) => w.values()), recent };
  }

  restore(s: TrailingRobustZState): void {
    if (s.windows.length !== this.metrics) throw new Error('robust z state has the wrong number of metrics');
    this.windows = s.windows.map((v) => RollingWindow.from(Math.max(8, this.points), v));
    if (s.recent && s.recent.length === this.recent.length) {
      this.recent = s.recent.map((r) => Float64Array.from(r));
      this.recentHead = 0;
    }
  }
}
