import { StreamingDetector, type StreamingDetectorOptions } from '../../src/engine/streaming-detector';
import {
  AnomalyLikelihood,
  AnomalyLikelihoodOptions,
  logLikelihoodScore,
} from '../../src/engine/anomaly-likelihood';
import { RangeGuard } from '../../src/engine/range-guard';
import { RollingWindow } from '../../src/engine/rolling-stats';
import type { CsvSeries } from '../../src/cli/csv-series';

/** The one configuration used for every NAB file (no per-file tuning). */
export interface NabDetectorConfig {
  detector: StreamingDetectorOptions;
  likelihood: AnomalyLikelihoodOptions;
  /** Out-of-range rule tolerance (share of the range seen so far); 0 disables it. */
  rangeTolerance: number;
  /** After an alarm at or above `alarmLevel`, further alarms are held back for this many rows. */
  cooldown: number;
  alarmLevel: number;
  /** Also rate |robust z| of the daily difference x(t) − x(t − 1 day) through its own likelihood (0 = off: window in rows). */
  seasonLikelihoodWindow?: number;
  /** Also rate |robust z| of each value (trailing window of this many rows) through its own likelihood; 0 = off. */
  zLikelihoodWindow?: number;
}

/**
 * Turns the streaming detector's output into NAB's per-row anomaly_score in [0, 1], causally:
 * calibrated forest score → anomaly likelihood (log scale), next to the likelihoods of the values'
 * trailing robust z and of their daily difference's robust z (most service metrics follow a daily
 * cycle; a missing peak stays in range but differs from yesterday) → out-of-range rule (score 1) →
 * incident gate (only the first row of an alarm is reported, as an on-call human wants).
 */
export function nabScores(series: CsvSeries, cfg: NabDetectorConfig): Float64Array {
  return postProcess(series, detectorScores(series, cfg.detector), cfg);
}

/** Stage 1: the streaming detector's calibrated scores (null while warming up or at a gap). */
export function detectorScores(series: CsvSeries, options: StreamingDetectorOptions): (number | null)[] {
  const det = new StreamingDetector({ ...options, features: series.features });
  return series.values.map((v, i) => det.push(series.timestamps[i], v).score);
}

/** Stage 2: likelihood, out-of-range rule and incident gate over stage 1's scores. */
export function postProcess(
  series: CsvSeries,
  scores: (number | null)[],
  cfg: NabDetectorConfig,
): Float64Array {
  const lik = new AnomalyLikelihood(cfg.likelihood);
  const range = new RangeGuard(series.features.length, cfg.rangeTolerance || 0.05);
  const out = new Float64Array(series.values.length);
  let lastAlarm = -Infinity;
  const zw = cfg.zLikelihoodWindow ?? 0;
  const zWindows = series.features.map(() => new RollingWindow(Math.max(8, zw)));
  const zLik = new AnomalyLikelihood(cfg.likelihood);
  const sw = cfg.seasonLikelihoodWindow ?? 0;
  const sWindows = series.features.map(() => new RollingWindow(Math.max(8, sw)));
  const sLik = new AnomalyLikelihood(cfg.likelihood);
  const DAY = 86_400_000;
  let back = 0;
  for (let i = 0; i < series.values.length; i++) {
    const score = scores[i];
    const outOfRange = range.update(series.values[i]).length > 0 && cfg.rangeTolerance > 0;
    let s = 0;
    if (score !== null) s = logLikelihoodScore(lik.update(score));
    if (zw > 0) {
      let z = 0;
      series.values[i].forEach((v, m) => {
        if (v === null) return;
        const w = zWindows[m];
        if (w.size >= 8) {
          const { median, mad } = w.medianMad();
          z = Math.max(
            z,
            Math.abs(v - median) / Math.max(1.4826 * mad, 1e-9 * Math.max(1, Math.abs(median))),
          );
        }
        w.push(v);
      });
      if (score !== null) s = Math.max(s, logLikelihoodScore(zLik.update(Math.min(z, 20) / 10)));
    }
    if (sw > 0) {
      const t = series.timestamps[i];
      while (back < i && series.timestamps[back + 1] <= t - DAY) back++;
      if (t - series.timestamps[back] >= DAY && t - series.timestamps[back] < DAY * 1.01) {
        let z = 0;
        series.values[i].forEach((v, m) => {
          const past = series.values[back][m];
          if (v === null || past === null) return;
          const diff = v - past;
          const w = sWindows[m];
          if (w.size >= 8) {
            const { median, mad } = w.medianMad();
            z = Math.max(
              z,
              Math.abs(diff - median) / Math.max(1.4826 * mad, 1e-9 * Math.max(1, Math.abs(median))),
            );
          }
          w.push(diff);
        });
        if (score !== null) s = Math.max(s, logLikelihoodScore(sLik.update(Math.min(z, 20) / 10)));
      }
    }
    if (outOfRange) s = 1;
    if (s >= cfg.alarmLevel) {
      if (i - lastAlarm <= cfg.cooldown) s = 0;
      else lastAlarm = i;
    }
    out[i] = s;
  }
  return out;
}
