import { createHash } from 'node:crypto';
import type {
  ActionRecord,
  ActionResult,
  AlertStatus,
  ApiCall,
  Labels,
  Target,
  VerificationStatus,
} from '@homeostat/contracts';

/** What the state store is given to persist: alerts of notifications, jobs, new actions. */

/** One alert of an accepted notification, normalised (times in ms). */
export interface IncomingAlert {
  fingerprint: string;
  status: AlertStatus;
  startsAt: number;
  /** The raw startsAt string: part of the dedupe key exactly as Alertmanager sent it. */
  startsAtRaw: string;
  labels: Labels;
  annotations: Labels;
  /** Set by the intake when the policy already decided this alert (receivers/unmatched-alert.ts). */
  decided?: IntakeDecision;
}

/**
 * A firing alert the intake decided itself because no policy rule matches it: the store persists
 * its incident already closed, with the rows the engine would have written (decision, incident
 * status, escalation), and queues no job. An incident that already existed gets a job as before.
 */
export interface IntakeDecision {
  /** The decision's action row; the store fills in the incident. */
  action: Omit<NewAction, 'incidentId'>;
  status: 'escalated';
  /** The escalation reason (`no_rule`), as IncidentEnd records it. */
  reason: string;
  why: string;
}

/** Notifications persisted in one group commit, and what each of them brought. */
export type IntakeBatch = { source: 'alertmanager' | 'grafana'; alerts: IncomingAlert[] }[];
export interface IntakeResult {
  counts: { fresh: number; duplicates: number }[];
  jobs: Job[];
  /** Incidents the intake closed itself (IntakeDecision), in the order they were persisted. */
  closed: { incidentId: string; decided: IntakeDecision }[];
}

export interface Job {
  seq: number;
  incidentId: string;
  status: AlertStatus;
}

/** Fields of a new action row; the rest start empty and are filled by finishAction/verifyAction. */
export interface NewAction {
  incidentId: string;
  action: ActionRecord['action'];
  step: number;
  rule: string | null;
  reason: string;
  target: Target | null;
  targetKey: string | null;
  apiCall: ApiCall | null;
  before: Record<string, unknown> | null;
  result: ActionResult;
  verification: VerificationStatus;
  /** 'started' while the actuator call is in flight: a crash then leaves it for recovery. */
  phase: 'started' | 'done';
  error?: string | null;
  service: string | null;
}

/** JSON text of a column value; null stays SQL NULL. */
export const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** A new action's row as the `actionInsert` statement takes it (its columns, in order). */
export const actionParams = (id: string, a: NewAction, now: number): (string | number | null)[] => [
  id,
  a.incidentId,
  a.action,
  a.step,
  a.rule,
  a.reason,
  json(a.target),
  a.targetKey,
  a.service,
  json(a.apiCall),
  json(a.before),
  a.result,
  a.error ?? null,
  a.verification,
  now,
  a.phase,
];

export function incidentIdOf(fingerprint: string, startsAtRaw: string): string {
  return createHash('sha1').update(`${fingerprint}|${startsAtRaw}`).digest('hex').slice(0, 16);
}

/** The dedupe key: an alert as Alertmanager identifies it (fingerprint, raw startsAt), per status. */
export function dedupeKeyOf(a: IncomingAlert): string {
  return `${a.fingerprint}|${a.startsAtRaw}|${a.status}`;
}

/**
 * The alerts of a group commit the intake may close (IntakeDecision), each as `close`: firing, and
 * no resolved copy of the same incident in the batch (the engine, deciding after this commit, would
 * have found that incident resolved and left it so).
 */
export function closable<T extends { a: IncomingAlert; id: string }>(
  alerts: T[],
): (T & { close: IntakeDecision | undefined })[] {
  const resolved = new Set(alerts.filter((x) => x.a.status === 'resolved').map((x) => x.id));
  return alerts.map((x) => ({
    ...x,
    close: x.a.status === 'firing' && !resolved.has(x.id) ? x.a.decided : undefined,
  }));
}
