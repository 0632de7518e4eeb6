import { overlaps, contains, withGrace, type TimeWindow } from './time-window';

/**
 * The per-run figures of a chaos experiment, computed from recorded facts only (no I/O):
 * ground-truth fault windows, detection intervals, remediation actions and per-second health.
 */

/**
 * Seconds from the fault's start to the first detection that overlaps the fault window (extended
 * by `graceMs`); 0 if an anomaly was already flagged when the fault started; null if never detected.
 */
export function mttdSeconds(
  fault: TimeWindow,
  detections: readonly TimeWindow[],
  graceMs: number,
): number | null {
  const [w] = withGrace([fault], graceMs);
  const hits = detections.filter((d) => overlaps(d, w)).map((d) => Math.max(d.start, fault.start));
  if (hits.length === 0) return null;
  return (Math.min(...hits) - fault.start) / 1000;
}

export interface HealthSample {
  /** Second the sample covers (Unix ms). */
  t: number;
  /** True when every steady-state probe was within tolerance at t. */
  healthy: boolean;
}

export interface Recovery {
  /** Seconds from fault start to the start of the first healthy stretch after impact; null if never. */
  mttrSeconds: number | null;
  /** False when users never saw the fault (no unhealthy sample from fault start on). */
  impacted: boolean;
  /** When the sustained healthy stretch began (Unix ms). */
  recoveredAt: number | null;
  /** The first unhealthy sample from the fault's start on (Unix ms); null when users never saw it. */
  impactedAt: number | null;
}

/**
 * Time to recovery as users see it: from the fault's start to the first moment after the first
 * unhealthy sample from which the steady state holds for `sustainSeconds` consecutive samples.
 * A run that ends before the healthy stretch is long enough has not recovered.
 */
export function recovery(
  fault: TimeWindow,
  samples: readonly HealthSample[],
  sustainSeconds: number,
): Recovery {
  const after = [...samples].filter((s) => s.t >= fault.start).sort((a, b) => a.t - b.t);
  const firstBad = after.findIndex((s) => !s.healthy);
  if (firstBad < 0) return { mttrSeconds: 0, impacted: false, recoveredAt: fault.start, impactedAt: null };
  const impactedAt = after[firstBad].t;
  let runStart = -1;
  for (let i = firstBad; i < after.length; i++) {
    if (!after[i].healthy) {
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = i;
    if (i - runStart + 1 >= sustainSeconds) {
      const at = after[runStart].t;
      return { mttrSeconds: (at - fault.start) / 1000, impacted: true, recoveredAt: at, impactedAt };
    }
  }
  return { mttrSeconds: null, impacted: true, recoveredAt: null, impactedAt };
}

export interface RequestCounts {
  requests: number;
  errors: number;
}

/** Share of requests that succeeded; null when there was no traffic. */
export function availability(buckets: readonly RequestCounts[]): number | null {
  const total = buckets.reduce((s, b) => s + b.requests, 0);
  if (total === 0) return null;
  const errors = buckets.reduce((s, b) => s + b.errors, 0);
  return (total - errors) / total;
}

export function errorRate(buckets: readonly RequestCounts[]): number | null {
  const a = availability(buckets);
  return a === null ? null : 1 - a;
}

export interface PrecisionRecall {
  precision: number | null;
  recall: number | null;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/**
 * Sample-wise: each scored sample is a prediction (score > threshold), labelled positive when it
 * falls in a ground-truth window (plus grace). precision = TP/(TP+FP), recall = TP/(TP+FN);
 * null when the denominator is 0.
 */
export function pointwisePrecisionRecall(
  points: readonly { t: number; anomalous: boolean }[],
  faults: readonly TimeWindow[],
  graceMs: number,
): PrecisionRecall {
  const windows = withGrace(faults, graceMs);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const p of points) {
    const truth = windows.some((w) => contains(w, p.t));
    if (p.anomalous && truth) tp++;
    else if (p.anomalous) fp++;
    else if (truth) fn++;
  }
  return ratio(tp, fp, fn);
}

/**
 * Event-wise: a detection interval is a true positive when it overlaps a ground-truth window (plus
 * grace); a fault window is recalled when at least one detection overlaps it.
 */
export function eventPrecisionRecall(
  detections: readonly TimeWindow[],
  faults: readonly TimeWindow[],
  graceMs: number,
): PrecisionRecall {
  const windows = withGrace(faults, graceMs);
  const tp = detections.filter((d) => windows.some((w) => overlaps(d, w))).length;
  const fp = detections.length - tp;
  const recalled = windows.filter((w) => detections.some((d) => overlaps(d, w))).length;
  const fn = windows.length - recalled;
  return {
    precision: detections.length === 0 ? null : tp / detections.length,
    recall: windows.length === 0 ? null : recalled / windows.length,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
  };
}

function ratio(tp: number, fp: number, fn: number): PrecisionRecall {
  return {
    precision: tp + fp === 0 ? null : tp / (tp + fp),
    recall: tp + fn === 0 ? null : tp / (tp + fn),
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
  };
}

export interface ObservedAction {
  action: string;
  result: string;
  verification: string;
  startedAt: number;
}

/**
 * Whether users' impact ended before the fault would have ended by itself. `expiredAt`: when the
 * fault ran out its drawn length or the runner's clean-up stopped it (`expiredAtOf`), null when
 * something else ended it (a restart, a crash's process replaced). A fault whose impact began while
 * it ran and lasted until it expired was outlived, not healed, whatever the action and its
 * verification said: a scale-out beside a replica that keeps its injected latency passes
 * verification while p95 stays at the fault's level until the fault expires (MTTR = the fault's
 * length). Trouble that began only after it expired is not its impact. Recovery is read from 1 s
 * samples of probes over a few seconds of traffic, so it shows 1-5 s after the real one: an action
 * that ends the impact in the last seconds before expiry cannot be told from the expiry, and counts
 * as outlived.
 */
export function endedBeforeExpiry(rec: Recovery, expiredAt: number | null): boolean {
  if (!rec.impacted || expiredAt === null) return true;
  if (rec.impactedAt !== null && rec.impactedAt >= expiredAt) return true;
  return rec.recoveredAt !== null && rec.recoveredAt < expiredAt;
}

/** When a fault ended by itself (ran out its length) or was stopped by the runner: null when a restart or a crash ended it. */
export function expiredAtOf(f: { end: number; endedBy?: string }): number | null {
  return f.endedBy === 'expired' || f.endedBy === 'stopped' ? f.end : null;
}

/**
 * A run healed when the remediator acted on it (an action of an expected kind that succeeded and
 * whose verification did not fail, started within the fault window plus grace) and users saw the
 * steady state back within `withinSeconds` of the injection, before the fault expired by itself
 * (`endedBeforeExpiry`).
 */
export function healingSucceeded(
  fault: TimeWindow,
  actions: readonly ObservedAction[],
  expected: readonly string[],
  rec: Recovery,
  withinSeconds: number,
  graceMs: number,
  expiredAt: number | null,
): boolean {
  const [w] = withGrace([fault], graceMs);
  const acted = actions.some(
    (a) =>
      expected.includes(a.action) &&
      a.result === 'succeeded' &&
      a.verification !== 'failed' &&
      contains(w, a.startedAt),
  );
  return (
    acted && rec.mttrSeconds !== null && rec.mttrSeconds <= withinSeconds && endedBeforeExpiry(rec, expiredAt)
  );
}
