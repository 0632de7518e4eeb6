import type { EntitySeries } from '../../src/cli/long-metrics-csv';
import { quantile } from '../../src/engine/rolling-stats';

/**
 * The trivial reference of the dataset's README: every entity scores the largest robust z-score,
 * |x − median| / IQR of the history, of any of its metrics over the incident points; no graph. A
 * metric that never moved in the history (IQR 0) is scaled by 1, as scikit-learn's RobustScaler (the
 * scaler BARO uses) does: with ∞ instead, the many flat metrics would tie and the order of the ties
 * would decide the reference.
 */
export function largestRobustZ(series: EntitySeries, from: number): string[] {
  const scored: [string, number][] = [];
  for (const [entity, metrics] of series) {
    let best = -1;
    for (const s of metrics.values()) {
      const history: number[] = [];
      const incident: number[] = [];
      s.values.forEach((v, i) => {
        if (v !== null) (s.timestamps[i] < from ? history : incident).push(v);
      });
      if (history.length < 2 || incident.length === 0) continue;
      const median = quantile(history, 0.5);
      const iqr = quantile(history, 0.75) - quantile(history, 0.25);
      for (const v of incident) {
        const z = Math.abs(v - median) / (iqr > 0 ? iqr : 1);
        best = Math.max(best, z);
      }
    }
    if (best >= 0) scored.push([entity, best]);
  }
  scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return scored.map(([e]) => e);
}
