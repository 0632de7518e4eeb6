import type { TimeWindow } from './time-window';

export interface ScorePoint {
  t: number;
  score: number | null;
}

/**
 * Runs of consecutive points whose score is above the threshold (Homeostat's calibrated 1.0), as
 * intervals from the first to the last anomalous sample. A null score (warming up, gap) ends a run.
 */
export function detectionIntervals(points: readonly ScorePoint[], threshold = 1): TimeWindow[] {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const out: TimeWindow[] = [];
  let cur: TimeWindow | null = null;
  for (const p of sorted) {
    if (p.score !== null && p.score > threshold) {
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
