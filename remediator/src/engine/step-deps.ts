import type { ActuatorKind } from '@homeostat/contracts';
import type { Logger } from 'pino';
import type { Actuator } from '../actuators/actuator';
import type { Metrics } from '../metrics';
import type { Policy } from '../policy/policy-schema';
import type { AmSilence } from '../sinks/am-silence';
import type { AuditSqlite } from '../sinks/audit-sqlite';
import type { Claim, ClaimStore } from '../store/claim-store';
import type { IncidentWaits, Wait } from '../store/incident-waits';
import type { Clock } from './clock';
import type { AlertReader } from './alert-reader';

/** What the ladder's steps use of the remediator; the Engine passes its own dependencies. */
export interface StepDeps {
  store: Pick<
    AuditSqlite,
    | 'incidentRow'
    | 'setIncident'
    | 'startAction'
    | 'finishAction'
    | 'verifyAction'
    | 'healIncident'
    | 'jobDone'
    | 'appendAudit'
    | 'setActionSilence'
    | 'markUndoFailed'
    | 'actionsOf'
  >;
  claims: ClaimStore;
  waits: IncidentWaits;
  policy: Policy;
  actuators: Partial<Record<ActuatorKind, Actuator>>;
  metrics: Pick<
    Metrics,
    | 'cooldownRemaining'
    | 'budgetRemaining'
    | 'actions'
    | 'verifications'
    | 'mttr'
    | 'escalations'
    | 'undoFailures'
  >;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Where verification reads the alert's state and the entity's score; null: webhook only. */
  alerts: AlertReader | null;
  silence: Pick<AmSilence, 'write' | 'expire'> | null;
  isLeader: () => boolean;
  /**
   * Asked right before every call that changes the platform (an action, an undo): as live a check
   * as the source allows (the PostgreSQL session still holds the lock; the Lease's renew deadline
   * has not passed). Defaults to isLeader.
   */
  confirmLeader?: () => boolean;
  clock: Clock;
}

/** What the steps need from the Engine that runs them. */
export interface StepContext {
  /** Aborted on shutdown: waits end early, verification resumes after restart. */
  signal: AbortSignal;
  killSwitch: () => boolean;
  /** Persists the wait and arms what ends it (timer, claim release, kill-switch release). */
  park: (w: Wait, why: string) => void;
  /** A claim was released: incidents waiting for one may go on. */
  released: (c: Claim) => void;
  /**
   * A symptom's alert is to be read again every `everyMs` until `deadline` (verdict-recheck.ts);
   * false when no verdict can be read.
   */
  watchVerdict: (incidentId: string, everyMs: number, deadline: number) => boolean;
}
