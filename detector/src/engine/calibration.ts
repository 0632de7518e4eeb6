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
}

const MIN_SPREAD = 1e-6;

export function calibrate(trainScores: Float64Array, rows: Float64Array, width: number, contamination: number): Calibration {
  const median = quantile(trainScores, 0.5);
  const threshold = Math.max(quantile(trainScores, 1 - contamination), median + MIN_SPREAD);
  const n = rows.length / width;
  const col = new Float64Array(n);
  const medians: number[] = [];
  for (let j = 0; j < width; j++) {
    for (let i = 0; i < n; i++) col[i] = rows[i * width + j];
    medians.push(quantile(col, 0.5));
  }
  return { median, threshold, medians };
}

export function calibratedScore(raw: number, c: Calibration): number {
  return Math.max(0, (raw - c.median) / (c.threshold - c.median));
}
