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
}

/** Notifications persisted in one group commit, and what each of them brought. */
export type IntakeBatch = { source: 'alertmanager' | 'grafana'; alerts: IncomingAlert[] }[];
export interface IntakeResult {
  counts: { fresh: number; duplicates: number }[];
  jobs: Job[];
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

export function incidentIdOf(fingerprint: string, startsAtRaw: string): string {
  return createHash('sha1').update(`${fingerprint}|${startsAtRaw}`).digest('hex').slice(0, 16);
}

/** The dedupe key: an alert as Alertmanager identifies it (fingerprint, raw startsAt), per status. */
export function dedupeKeyOf(a: IncomingAlert): string {
  return `${a.fingerprint}|${a.startsAtRaw}|${a.status}`;
}
