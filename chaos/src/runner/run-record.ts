import { z } from 'zod';
import { ActionKind } from '@homeostat/contracts';
import { LoadProfileName } from '../experiment/experiment-schema';

/**
 * Everything one experiment run recorded, as written to run.json. The report is computed from this
 * alone, so a recorded run can be re-rendered (and is the report test's fixture).
 */

const Ms = z.number().int().nonnegative();

export const GroundTruthWindow = z.object({
  fault: z.string(),
  service: z.string(),
  start: Ms,
  end: Ms,
  /** stopped (DELETE), expired (its duration), replaced, restarted (the process came back without it). */
  endedBy: z.string(),
});
export type GroundTruthWindow = z.infer<typeof GroundTruthWindow>;

export const ProbeResult = z.object({
  name: z.string(),
  value: z.number().nullable(),
  ok: z.boolean(),
});
export type ProbeResult = z.infer<typeof ProbeResult>;

export const LoadBucketRecord = z.object({
  t: Ms,
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
});
export type LoadBucketRecord = z.infer<typeof LoadBucketRecord>;

export const SeriesRecord = z.object({
  name: z.string(),
  unit: z.string(),
  /** [Unix ms, value]; null where Prometheus had no sample. */
  points: z.array(z.tuple([Ms, z.number().nullable()])),
});
export type SeriesRecord = z.infer<typeof SeriesRecord>;

export const ActionObservation = z.object({
  action: z.union([ActionKind, z.string()]),
  result: z.string(),
  verification: z.string(),
  startedAt: Ms,
  finishedAt: Ms.nullable(),
  target: z.string().nullable(),
  reason: z.string(),
});
export type ActionObservation = z.infer<typeof ActionObservation>;

export const RunMetrics = z.object({
  mttdSeconds: z.number().nullable(),
  mttrSeconds: z.number().nullable(),
  impacted: z.boolean(),
  healed: z.boolean(),
  /** From the load generator: share of requests answered 2xx/3xx in time. */
  availability: z.number().nullable(),
  /** From Prometheus: share of the gateway's answers that were not 5xx. */
  availabilityPrometheus: z.number().nullable(),
  errorRate: z.number().nullable(),
  faultErrorRate: z.number().nullable(),
  latencyP50Ms: z.number().nullable(),
  latencyP95Ms: z.number().nullable(),
  latencyP99Ms: z.number().nullable(),
  /** Median of the per-second p95s inside the fault window (+grace): what users felt during the fault. */
  faultLatencyP95Ms: z.number().nullable().default(null),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  eventPrecision: z.number().nullable(),
  eventRecall: z.number().nullable(),
});
export type RunMetrics = z.infer<typeof RunMetrics>;

export const RunRecord = z.object({
  version: z.literal(1),
  /** An experiment name, or the plan name of an ingested JMeter run. */
  scenario: z.string().min(1),
  title: z.string(),
  heal: z.boolean(),
  repeat: z.number().int().nonnegative(),
  target: z.string(),
  fault: z.string(),
  loadProfile: LoadProfileName,
  startedAt: Ms,
  endedAt: Ms,
  phases: z.object({ warmupEnd: Ms, injectionEnd: Ms, recoveryEnd: Ms }),
  groundTruth: z.array(GroundTruthWindow),
  steadyState: z.object({ before: z.array(ProbeResult), after: z.array(ProbeResult) }),
  load: z.array(LoadBucketRecord),
  health: z.array(z.object({ t: Ms, healthy: z.boolean() })),
  series: z.array(SeriesRecord),
  detection: z.object({
    available: z.boolean(),
    scores: z.array(z.tuple([Ms, z.number().nullable()])),
    /** max(ALERTS{alertname=~"Homeostat.*", service=<target>}): 1 while pending or firing. */
    alerts: z.array(z.tuple([Ms, z.number().nullable()])).default([]),
  }),
  actions: z.array(ActionObservation),
  expectedActions: z.array(z.string()),
  metrics: RunMetrics,
  notes: z.array(z.string()),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const Recording = z.object({
  version: z.literal(1),
  createdAt: Ms,
  command: z.string(),
  runs: z.array(RunRecord).min(1),
});
export type Recording = z.infer<typeof Recording>;
