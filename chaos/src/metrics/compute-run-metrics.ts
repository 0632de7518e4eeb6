import type { ActionObservation, GroundTruthWindow, RunMetrics } from '../runner/run-record';
import { anomalyIntervals, detectionSignal } from './detection-intervals';
import { percentile } from './percentile';
import {
  availability,
  errorRate,
  eventPrecisionRecall,
  expiredAtOf,
  healingSucceeded,
  mttdSeconds,
  pointwisePrecisionRecall,
  recovery,
  type HealthSample,
} from './run-metrics';

export interface RunFacts {
  groundTruth: readonly GroundTruthWindow[];
  load: readonly {
    t: number;
    requests: number;
    errors: number;
    p50Ms: number | null;
    p95Ms: number | null;
    p99Ms: number | null;
  }[];
  health: readonly HealthSample[];
  /** Anomaly scores of the target; empty when no detector ran. */
  scores: readonly [number, number | null][];
  /** Homeostat's alerts on the target (1 pending/firing, 0 or null not); empty without alerting. */
  alerts?: readonly [number, number | null][];
  /** Gateway requests and 5xx over the run from Prometheus (increase), when known. */
  prometheusRequests: { total: number; errors: number } | null;
  actions: readonly ActionObservation[];
  expectedActions: readonly string[];
  healWithinSeconds: number;
  /** Steady state must hold this long to count as recovered. */
  sustainSeconds: number;
  /** Effects outlast the fault (rate windows, restarts): detections this long after it still count. */
  graceMs: number;
}

/** The per-run figures of the report, from recorded facts only. */
export function computeRunMetrics(f: RunFacts): RunMetrics {
  const fault = f.groundTruth[0];
  const window = fault ? { start: fault.start, end: fault.end } : null;
  const signal = detectionSignal(f.scores, f.alerts ?? []);
  const intervals = anomalyIntervals(signal);
  const rec = window
    ? recovery(window, f.health, f.sustainSeconds)
    : { mttrSeconds: null, impacted: false, recoveredAt: null, impactedAt: null };
  const windows = f.groundTruth.map((g) => ({ start: g.start, end: g.end }));
  const scored = signal.filter((p): p is { t: number; anomalous: boolean } => p.anomalous !== null);
  const pw = scored.length ? pointwisePrecisionRecall(scored, windows, f.graceMs) : null;
  const ev = scored.length ? eventPrecisionRecall(intervals, windows, f.graceMs) : null;
  const inFault = window ? f.load.filter((b) => b.t >= window.start && b.t <= window.end + f.graceMs) : [];
  // latency percentiles of the run: the per-second percentiles weighted by their request count would
  // need raw samples; the median of per-second p95s is robust and says what a typical second felt like
  const p = (key: 'p50Ms' | 'p95Ms' | 'p99Ms') =>
    percentile(
      f.load.map((b) => b[key]).filter((x): x is number => x !== null),
      50,
    );
  return {
    mttdSeconds: window && scored.length ? mttdSeconds(window, intervals, f.graceMs) : null,
    mttrSeconds: rec.mttrSeconds,
    impacted: rec.impacted,
    healed: window
      ? healingSucceeded(
          window,
          f.actions,
          f.expectedActions,
          rec,
          f.healWithinSeconds,
          f.graceMs,
          expiredAtOf(fault),
        )
      : false,
    availability: availability(f.load),
    availabilityPrometheus:
      f.prometheusRequests && f.prometheusRequests.total > 0
        ? 1 - f.prometheusRequests.errors / f.prometheusRequests.total
        : null,
    errorRate: errorRate(f.load),
    faultErrorRate: errorRate(inFault),
    latencyP50Ms: p('p50Ms'),
    latencyP95Ms: p('p95Ms'),
    latencyP99Ms: p('p99Ms'),
    faultLatencyP95Ms: percentile(
      inFault.map((b) => b.p95Ms).filter((x): x is number => x !== null),
      50,
    ),
    precision: pw?.precision ?? null,
    recall: pw?.recall ?? null,
    eventPrecision: ev?.precision ?? null,
    eventRecall: ev?.recall ?? null,
  };
}
