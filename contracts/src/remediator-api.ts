import { z } from 'zod';
import { EpochMs, Labels } from './common';

/**
 * The remediator's audit records and timeline (served by @homeostat/remediator, read by the
 * Grafana plugins and the chaos runner).
 */

export const ActionKind = z.enum([
  'restart',
  'scale_out',
  'scale_in',
  'isolate',
  'shift_traffic',
  'cache_enable',
  'stop',
  'notify',
]);
export type ActionKind = z.infer<typeof ActionKind>;

export const ActuatorKind = z.enum(['docker', 'kubernetes', 'process', 'none']);
export type ActuatorKind = z.infer<typeof ActuatorKind>;

/**
 * succeeded/failed: the actuator call's outcome. skipped: a rule decided not to act (the reason says
 * which: cooldown, budget, kill switch, blast radius...). dry_run: the call was recorded, not made.
 * pending_approval: waiting for a human. rolled_back: undone after failed verification.
 */
export const ActionResult = z.enum([
  'succeeded',
  'failed',
  'skipped',
  'dry_run',
  'pending_approval',
  'rolled_back',
]);
export type ActionResult = z.infer<typeof ActionResult>;

/** `inconclusive`: verification could not read the alert or a fresh score; the action was neither kept as healed nor undone. */
export const VerificationStatus = z.enum(['pending', 'passed', 'failed', 'inconclusive', 'not_applicable']);
export type VerificationStatus = z.infer<typeof VerificationStatus>;

/** What an actuator acts on, resolved from alert labels. */
export const Target = z.object({
  actuator: ActuatorKind,
  /** deployment, pod, compose-service, container, process-group... */
  kind: z.string(),
  name: z.string(),
  namespace: z.string().optional(),
});
export type Target = z.infer<typeof Target>;

/** The exact call an action makes (or would make, in dry-run). */
export const ApiCall = z.object({
  method: z.string(),
  path: z.string(),
  contentType: z.string().optional(),
  body: z.unknown().optional(),
});
export type ApiCall = z.infer<typeof ApiCall>;

export const ActionRecord = z.object({
  id: z.string(),
  incidentId: z.string(),
  action: ActionKind,
  /** Position on the rule's escalation ladder, 0-based. */
  step: z.number().int().nonnegative(),
  rule: z.string().nullable(),
  /** Why the decision was taken (or not): rule, cooldown and budget state. */
  reason: z.string(),
  target: Target.nullable(),
  apiCall: ApiCall.nullable(),
  /** Snapshot of the target before and after, e.g. { replicas: 2 }; used for undo. */
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  result: ActionResult,
  error: z.string().nullable(),
  verification: VerificationStatus,
  startedAt: EpochMs,
  finishedAt: EpochMs.nullable(),
  verifiedAt: EpochMs.nullable(),
});
export type ActionRecord = z.infer<typeof ActionRecord>;

export const IncidentStatus = z.enum(['open', 'healing', 'healed', 'resolved', 'escalated', 'failed']);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

/** One alert occurrence: identity is (fingerprint, startsAt). */
export const Incident = z.object({
  id: z.string(),
  fingerprint: z.string(),
  alertname: z.string(),
  labels: Labels,
  annotations: Labels,
  source: z.enum(['alertmanager', 'grafana']),
  status: IncidentStatus,
  /** When the alert started firing (Alertmanager's startsAt). */
  startsAt: EpochMs,
  /** When the remediator received it. */
  receivedAt: EpochMs,
  resolvedAt: EpochMs.nullable(),
  /** Seconds from startsAt to verified recovery; null until healed. */
  mttrSeconds: z.number().nullable(),
  actions: z.array(ActionRecord),
});
export type Incident = z.infer<typeof Incident>;

/**
 * `scale_back`: the hold of a scale-out ended and the replica it added was given back (see
 * ScaleBack); an instant on the timeline, after the action that added the capacity.
 */
export const TimelineEventKind = z.enum([
  'anomaly',
  'alert',
  'action',
  'verification',
  'rollback',
  'resolved',
  'scale_back',
]);
export type TimelineEventKind = z.infer<typeof TimelineEventKind>;

/**
 * One entry of the healing timeline lane the panel draws: anomaly -> alert -> action -> verification,
 * and a `scale_back` where a scale-out's extra capacity was given back.
 */
export const TimelineEvent = z.object({
  time: EpochMs,
  /** End of the span, for kinds that last (an action until it finished); null for instants. */
  endTime: EpochMs.nullable(),
  kind: TimelineEventKind,
  /** succeeded, failed, pending... the panel colours by it. */
  status: z.string(),
  incidentId: z.string(),
  labels: Labels,
  title: z.string(),
  /** Hover details: the decision's reason, top features, API call; for `scale_back` a ScaleBack. */
  detail: z.record(z.string(), z.unknown()),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

/** Live replicas of a target (isolated ones not counted) before and after a change. */
export const ReplicaChange = z.object({
  before: z.number().int().nonnegative(),
  after: z.number().int().nonnegative(),
});
export type ReplicaChange = z.infer<typeof ReplicaChange>;

/**
 * One replica a scale-out added that its hold gave back: the audit record of kind `scale_back`,
 * and the `detail` of a `scale_back` timeline event.
 */
export const ScaleBack = z.object({
  actuator: ActuatorKind,
  /** The target the replica was given back from, as the policy's rules name it. */
  target: Target,
  /** The replica given back: its port (process) or container name (docker). */
  replica: z.string(),
  /** The incident whose scale-out added it; null when the replica carries none. */
  incidentId: z.string().nullable(),
  /** How long it was held, from the scale-out to the give-back. */
  heldSeconds: z.number().nonnegative(),
  /** The target's replica count around the give-back, where the actuator counts them (process). */
  replicas: ReplicaChange.optional(),
});
export type ScaleBack = z.infer<typeof ScaleBack>;

export const IncidentsResponse = z.object({ incidents: z.array(Incident) });
export type IncidentsResponse = z.infer<typeof IncidentsResponse>;

export const TimelineResponse = z.object({ events: z.array(TimelineEvent) });
export type TimelineResponse = z.infer<typeof TimelineResponse>;

export const ActionsResponse = z.object({ actions: z.array(ActionRecord) });
export type ActionsResponse = z.infer<typeof ActionsResponse>;

/** Query string of GET /api/v1/incidents, /api/v1/actions and /api/v1/timeline. */
export const RangeQuery = z.object({
  from: z.coerce.number().int().nonnegative(),
  to: z.coerce.number().int().nonnegative(),
  service: z.string().optional(),
});
export type RangeQuery = z.infer<typeof RangeQuery>;
