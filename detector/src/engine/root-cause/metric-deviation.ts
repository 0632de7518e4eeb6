import { quantile } from '../rolling-stats';
import { metricNature, type MetricKind } from './metric-kind';
import type { MetricSeries } from './types';

/** How far one metric of one entity moved in the incident window, against its own history. */
export interface MetricDeviation {
  metric: string;
  kind: MetricKind;
  /**
   * The largest robust deviation of an incident point in the metric's bad direction:
   * (x − median) / scale, scale = max(IQR, mean absolute deviation, a millionth of the level) of the
   * history (BARO's robust scaling; the second term keeps a metric that sits still and dips now and
   * then, such as availability, from turning the first dip into ∞). 0 when it only moved the good way.
   */
  z: number;
  /** x − median at that point, in the metric's unit, signed so that the bad direction is positive. */
  excess: number;
  /** First incident point whose deviation reached the threshold, Unix ms; undefined if none did. */
  onset?: number;
}

export interface DeviationOptions {
  /** Robust deviations from which a point counts as anomalous. */
  threshold: number;
  /** History points a metric needs before it can be judged. */
  minHistory: number;
  /**
   * The smallest spread, as a share of the history's median (default 0): a 10 s rate of a steady
   * load takes two or three values, and a shift of its scrape's phase would read as many spreads.
   */
  relativeSpreadFloor?: number;
  /** The smallest spread in the metric's unit (default 0): the detector's noise floor for it. */
  absoluteSpreadFloor?: number;
}

/**
 * Judges one metric: the history is every point before `from`, the incident every point from it.
 * Median and IQR are robust to incident points that leaked into the history when the incident start
 * is given late, up to a quarter of it (BARO's argument for robust scaling over a fitted model); a
 * band widened to the history's own 99th percentile was tried and dropped for that reason: 3 % of
 * late points already move it onto the anomaly. Returns null when
 * the metric has too little history or no incident point (gaps are skipped, never filled).
 */
export function metricDeviation(
  metric: string,
  series: MetricSeries,
  from: number,
  options: DeviationOptions,
  kindOverride?: MetricKind,
  /** The bad direction, when the caller knows it better than the name does. */
  directionOverride?: 1 | -1 | 0,
): MetricDeviation | null {
  const nature = metricNature(metric);
  const kind = kindOverride ?? nature.kind;
  const direction =
    directionOverride ?? (kindOverride && kindOverride !== nature.kind ? 0 : nature.direction);
  const history: number[] = [];
  const incident: { t: number; v: number }[] = [];
  for (let i = 0; i < series.values.length; i++) {
    const v = series.values[i];
    if (v === null || !Number.isFinite(v)) continue;
    if (series.timestamps[i] < from) history.push(v);
    else incident.push({ t: series.timestamps[i], v });
  }
  if (history.length < options.minHistory || incident.length === 0) return null;
  incident.sort((a, b) => a.t - b.t);
  const median = quantile(history, 0.5);
  const iqr = quantile(history, 0.75) - quantile(history, 0.25);
  let meanAbsDev = 0;
  for (const v of history) meanAbsDev += Math.abs(v - median);
  meanAbsDev /= history.length;
  const spread = Math.max(
    iqr,
    meanAbsDev,
    (options.relativeSpreadFloor ?? 0) * Math.abs(median),
    options.absoluteSpreadFloor ?? 0,
  );
  let best = { z: 0, excess: 0 };
  let onset: number | undefined;
  for (const { t, v } of incident) {
    // A history that never moved (an error ratio stuck at 0) has no spread: a millionth of the level
    // stands in, so the first move scores 10^6 — very large, finite, the same in any unit.
    const scale = Math.max(spread, 1e-6 * Math.max(Math.abs(median), Math.abs(v)), Number.MIN_VALUE);
    const up = direction >= 0 ? (v - median) / scale : 0;
    const down = direction <= 0 ? (median - v) / scale : 0;
    const z = Math.max(up, down, 0);
    if (z > best.z) best = { z, excess: up >= down ? v - median : median - v };
    if (onset === undefined && z >= options.threshold) onset = t;
  }
  return { metric, kind, z: best.z, excess: best.excess, onset };
}
