import type { LoadProfileName } from '../experiment/experiment-schema';
import { computeRunMetrics } from '../metrics/compute-run-metrics';
import type { GroundTruthWindow, RunRecord } from '../runner/run-record';
import { guessProfile, jtlBuckets, type JtlSample } from './jtl';

export interface JtlRunOptions {
  name: string;
  heal: boolean;
  profile?: LoadProfileName;
  /** The fault window, when the JMeter run had one injected (Unix ms). */
  fault?: { start: number; end: number; fault?: string; service?: string };
  /** Per-second steady state, as the experiments' load probes. */
  maxErrorRatio?: number;
  maxP95Ms?: number;
}

/**
 * Turns a JMeter results file into a run of the report, so JMeter users get the same table:
 * availability, error rates and latency percentiles from the samples; MTTR when a fault window is
 * given; no MTTD or actions (JMeter sees neither the detector nor the remediator).
 */
export function jtlToRun(samples: readonly JtlSample[], o: JtlRunOptions): RunRecord {
  const load = jtlBuckets(samples);
  const startedAt = load.length ? load[0].t : 0;
  const endedAt = load.length ? load[load.length - 1].t + 1000 : 0;
  const maxErr = o.maxErrorRatio ?? 0.02;
  const maxP95 = o.maxP95Ms ?? 300;
  const health = load.map((b) => ({
    t: b.t,
    healthy: b.requests > 0 && b.errors / b.requests <= maxErr && (b.p95Ms ?? Infinity) <= maxP95,
  }));
  const groundTruth: GroundTruthWindow[] = o.fault
    ? [{ fault: o.fault.fault ?? 'external', service: o.fault.service ?? 'unknown', start: o.fault.start, end: o.fault.end, endedBy: 'given' }]
    : [];
  const metrics = computeRunMetrics({
    groundTruth,
    load,
    health,
    scores: [],
    prometheusRequests: null,
    actions: [],
    expectedActions: [],
    healWithinSeconds: 90,
    sustainSeconds: 5,
    graceMs: 15_000,
  });
  return {
    version: 1,
    scenario: o.name,
    title: `JMeter: ${o.name}`,
    heal: o.heal,
    repeat: 0,
    target: o.fault?.service ?? 'gateway',
    fault: o.fault?.fault ?? 'none',
    loadProfile: o.profile ?? guessProfile(samples) ?? 'normal',
    startedAt,
    endedAt,
    phases: { warmupEnd: o.fault?.start ?? startedAt, injectionEnd: o.fault?.end ?? endedAt, recoveryEnd: endedAt },
    groundTruth,
    steadyState: { before: [], after: [] },
    load,
    health,
    series: [],
    detection: { available: false, scores: [], alerts: [] },
    actions: [],
    expectedActions: [],
    metrics,
    notes: [`ingested from a JMeter .jtl: ${samples.length} samples`],
  };
}
