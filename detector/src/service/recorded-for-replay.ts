import type { DetectorConfig } from './config';
import { detectorHash } from './detector-hash';
import type { RecordedScore } from './live-score-log';

/** Reads a detector's recorded live scores (LiveScoreLog.range). */
export type LiveScoreSource = (
  detector: string,
  config: string,
  from: number,
  to: number,
) => Map<string, Map<number, RecordedScore>>;

/**
 * The live loop's recorded scores a replay serves, keyed by entity and the replay's grid points.
 * Only for a configured detector with its own entities (no groupBy override) at its interval or a
 * whole multiple of it (a long panel range: the datasource doubles the step). At a multiple, a grid
 * point g stands for the live points in (g − step, g]: the highest score, an anomaly if any was one,
 * and that point's top feature — what Grafana shows when it downsamples a series by max.
 */
export function recordedForReplay(
  d: DetectorConfig,
  configured: DetectorConfig | undefined,
  stepMs: number,
  first: number,
  settled: number,
  source: LiveScoreSource | undefined,
): Map<string, Map<number, RecordedScore>> | undefined {
  const intervalMs = d.intervalSeconds * 1000;
  if (!source || !configured || stepMs % intervalMs !== 0) return undefined;
  if (d.groupBy.join(',') !== configured.groupBy.join(',')) return undefined;
  const raw = source(d.name, detectorHash(configured), first - stepMs + 1, settled);
  if (stepMs === intervalMs) return raw;
  const out = new Map<string, Map<number, RecordedScore>>();
  for (const [key, points] of raw) {
    const buckets = new Map<number, RecordedScore>();
    for (const p of points.values()) {
      const g = Math.ceil(p.timestamp / stepMs) * stepMs;
      const b = buckets.get(g);
      if (!b) buckets.set(g, { ...p, timestamp: g });
      else {
        if (p.score !== null && (b.score === null || p.score > b.score)) {
          b.score = p.score;
          b.topFeature = p.topFeature;
        }
        b.anomaly ||= p.anomaly;
      }
    }
    out.set(key, buckets);
  }
  return out;
}
