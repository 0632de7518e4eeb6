import type {
  ActionRecord,
  ActionResult,
  ApiCall,
  Incident,
  IncidentStatus,
  Labels,
  Target,
  VerificationStatus,
} from '@homeostat/contracts';

/** SQLite rows of the audit store and their mapping to the contracts' shapes. */
export interface IncidentRow {
  id: string;
  fingerprint: string;
  alertname: string;
  labels: string;
  annotations: string;
  source: string;
  status: string;
  starts_at: number;
  received_at: number;
  resolved_at: number | null;
  mttr_seconds: number | null;
  step: number;
  /** The intake's declined decision (declined-alert.ts), JSON; null for every other incident. */
  decision: string | null;
}
export interface ActionRow {
  id: string;
  incident_id: string;
  action: string;
  step: number;
  rule: string | null;
  reason: string;
  target: string | null;
  api_call: string | null;
  before: string | null;
  after: string | null;
  result: string;
  error: string | null;
  verification: string;
  started_at: number;
  finished_at: number | null;
  verified_at: number | null;
  phase: string;
}

const parse = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

export function toIncident(r: IncidentRow): Omit<Incident, 'actions'> & { step: number } {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    alertname: r.alertname,
    labels: JSON.parse(r.labels) as Labels,
    annotations: JSON.parse(r.annotations) as Labels,
    source: r.source as Incident['source'],
    status: r.status as IncidentStatus,
    startsAt: r.starts_at,
    receivedAt: r.received_at,
    resolvedAt: r.resolved_at,
    mttrSeconds: r.mttr_seconds,
    step: r.step,
  };
}
export function toAction(r: ActionRow): ActionRecord {
  return {
    id: r.id,
    incidentId: r.incident_id,
    action: r.action as ActionRecord['action'],
    step: r.step,
    rule: r.rule,
    reason: r.reason,
    target: parse<Target>(r.target),
    apiCall: parse<ApiCall>(r.api_call),
    before: parse(r.before),
    after: parse(r.after),
    result: r.result as ActionResult,
    error: r.error,
    verification: r.verification as VerificationStatus,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    verifiedAt: r.verified_at,
  };
}
