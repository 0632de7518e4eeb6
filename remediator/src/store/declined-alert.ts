import type { ActionRecord } from '@homeostat/contracts';
import type { IncomingAlert, IntakeDecision, NewAction } from './records';

/**
 * The lean record of an alert the intake declined (IntakeDecision: no policy rule matches it), the
 * bulk of what a receiver that gets every alert sends. Its skipped decision is not an `actions`
 * row but a column of its incident (`incidents.decision`, the record as the API shows it): the
 * `actions` row with its three index entries (two at random places: a random id, a hashed incident
 * id) cost more than the audit rows. The audit log gets the four rows the engine writes when it
 * decides (declinedAudit()), so an auditor's queries by kind (`escalation`, `decision`,
 * `incident`) count and read the same either way. GET /api/v1/incidents, /actions and /timeline
 * read the same either way (incidents() and actions() of the store add the declined decision);
 * the engine never reads it back: the incident is closed (escalated) from the start.
 */
export interface Declined {
  /** The decision as GET /api/v1/actions lists it. */
  record: ActionRecord;
  /** The same as the `incidents.decision` column stores it. */
  json: string;
}

/**
 * The declined decision's id: its incident's (one declined decision per incident), so the store finds
 * it by the incident's primary key (AuditSqlite.action(): an approval of it is refused as for any
 * skipped action) and every replica derives the same one. Never a UUID, so never an action row's.
 */
const SUFFIX = '-declined';
export const declinedActionId = (incidentId: string): string => `${incidentId}${SUFFIX}`;
/** The incident whose declined decision `actionId` is, or null for any other id. */
export const declinedIncidentOf = (actionId: string): string | null =>
  actionId.endsWith(SUFFIX) ? actionId.slice(0, -SUFFIX.length) : null;

export function declinedRecord(incidentId: string, d: IntakeDecision, now: number): Declined {
  const a = d.action;
  const record: ActionRecord = {
    id: declinedActionId(incidentId),
    incidentId,
    action: a.action,
    step: a.step,
    rule: a.rule,
    reason: a.reason,
    target: a.target,
    apiCall: a.apiCall,
    before: a.before,
    after: null,
    result: a.result,
    error: a.error ?? null,
    verification: a.verification,
    startedAt: now,
    finishedAt: null,
    verifiedAt: null,
  };
  return { record, json: JSON.stringify(record) };
}

/** The `data` of an alert's audit row, on both stores: what arrived. */
export const alertAuditData = (source: string, a: IncomingAlert): string =>
  JSON.stringify({ source, status: a.status, fingerprint: a.fingerprint, labels: a.labels });

/**
 * The audit rows after the alert's own that record a declined alert, with the data the engine
 * writes when it decides the same alert: LadderStep's `decision` (the NewAction, whose action id is
 * the declined decision's), then IncidentEnd's `incident` (setIncident: status, step, why) and
 * `escalation` (status, reason, why). JSON text, in this order, on both stores (the PostgreSQL
 * intake function inserts the texts it is given).
 */
export function declinedAudit(
  incidentId: string,
  d: IntakeDecision,
): { decision: string; incident: string; escalation: string } {
  const a: NewAction = { incidentId, ...d.action };
  return {
    decision: JSON.stringify(a),
    incident: JSON.stringify({ status: d.status, step: a.step, why: d.why }),
    escalation: JSON.stringify({ status: d.status, reason: d.reason, why: d.why }),
  };
}

/** The declined decision an incident row holds, as its list of actions starts. */
export const declinedOf = (column: string | null | undefined): ActionRecord[] =>
  column ? [JSON.parse(column) as ActionRecord] : [];
