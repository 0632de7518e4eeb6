import { quantile } from './rolling-stats';

/**
 * Maps the forest's raw s(x, ψ) onto a per-model scale where 0 is a typical training point and
 * 1.0 is the anomaly threshold: score = (s − median) / (threshold − median), clipped at 0, with
 * threshold the (1 − contamination) quantile of the training scores. Raw scores are not comparable
 * between models or series; this makes one alert rule (`score > 1`) fit them all, like
 * vmanomaly's anomaly_score.
 */
export interface Calibration {
  median: number;
  threshold: number;
  /** Per-column median of the training rows: the "typical value" used by attribution. */
  medians: number[];
  /** Per-column range of the training rows, for the out-of-range check. */
  mins?: number[];
  maxs?: number[];
}

const MIN_SPREAD = 1e-6;

export function calibrate(
  trainScores: Float64Array,
  rows: Float64Array,
  width: number,
  contamination: number,
): Calibration {
  const median = quantile(trainScores, 0.5);
  const threshold = Math.max(quantile(trainScores, 1 - contamination), median + MIN_SPREAD);
  const n = rows.length / width;
  const col = new Float64Array(n);
  const medians: number[] = [];
  const mins: number[] = [];
  const maxs: number[] = [];
  for (let j = 0; j < width; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = rows[i * width + j];
      col[i] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    medians.push(quantile(col, 0.5));
    mins.push(lo);
    maxs.push(hi);
  }
  return { median, threshold, medians, mins, maxs };
}

export function calibratedScore(raw: number, c: Calibration): number {
  return Math.max(0, (raw - c.median) / (c.threshold - c.median));
}

/**
 * How far beyond the training range a value lies, in multiples of that range, past a tolerance
 * band: 0 inside [min − tol·range, max + tol·range]. An isolation tree cannot tell a value far
 * outside its sample from the sample's extreme (both land in the edge leaf), so a level shift the
 * model never saw would otherwise score like an ordinary high point.
 */
export function rangeExcess(value: number, min: number, max: number, tolerance: number): number {
  const range = max - min;
  const scale = range > 0 ? range : Math.max(Math.abs(max), 1) * 1e-3;
  const over = (value - max) / scale - tolerance;
  const under = (min - value) / scale - tolerance;
  return Math.max(0, over, under);
}
