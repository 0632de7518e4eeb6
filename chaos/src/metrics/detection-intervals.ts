import type { TimeWindow } from './time-window';

export interface ScorePoint {
  t: number;
  score: number | null;
}

/** One sample of "did Homeostat flag the target at t": null when nothing was known (warming up, gap). */
export interface SignalPoint {
  t: number;
  anomalous: boolean | null;
}

/**
 * Homeostat's detection of the target per sample: its anomaly score above the calibrated
 * threshold (1.0), or one of Homeostat's alerts on it pending/firing (the target-down rule detects
 * a crash, where a dead process has no score at all). Samples are joined by time.
 */
export function detectionSignal(
  scores: readonly [number, number | null][],
  alerts: readonly [number, number | null][] = [],
  threshold = 1,
): SignalPoint[] {
  const by = new Map<number, SignalPoint>();
  for (const [t, s] of scores) by.set(t, { t, anomalous: s === null ? null : s > threshold });
  for (const [t, a] of alerts) {
    if (a === null) continue;
    const cur = by.get(t);
    const firing = a > 0;
    by.set(t, { t, anomalous: (cur?.anomalous ?? false) || firing });
  }
  return [...by.values()].sort((a, b) => a.t - b.t);
}

/** Runs of consecutive anomalous samples, as intervals from the first to the last; null ends a run. */
export function anomalyIntervals(points: readonly SignalPoint[]): TimeWindow[] {
  const out: TimeWindow[] = [];
  let cur: TimeWindow | null = null;
  for (const p of [...points].sort((a, b) => a.t - b.t)) {
    if (p.anomalous === true) {
      if (cur) cur.end = p.t;
      else cur = { start: p.t, end: p.t };
    } else if (cur) {
      out.push(cur);
      cur = null;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Runs of consecutive points whose score is above the threshold (Homeostat's calibrated 1.0). */
export function detectionIntervals(points: readonly ScorePoint[], threshold = 1): TimeWindow[] {
  return anomalyIntervals(points.map((p) => ({ t: p.t, anomalous: p.score === null ? null : p.score > threshold })));
}
