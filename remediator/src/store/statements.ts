import type Database from 'better-sqlite3';

/** Every SQL statement of the audit store. */
const SQL = {
  dedupe: 'INSERT OR IGNORE INTO dedupe (key, received_at) VALUES (?, ?)',
  // positional parameters: named ones are looked up one by one on an object at every run (profiled)
  incidentInsert: `INSERT OR IGNORE INTO incidents (id, fingerprint, alertname, service, labels, annotations, source, status, starts_at, received_at,
           decision)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  incidentResolve: `UPDATE incidents SET resolved_at = COALESCE(resolved_at, ?),
           status = CASE WHEN status IN ('open', 'healing') THEN 'resolved' ELSE status END WHERE id = ?`,
  jobInsert: 'INSERT INTO jobs (incident_id, status, received_at) VALUES (?, ?, ?)',
  jobsPending: 'SELECT seq, incident_id AS incidentId, status FROM jobs WHERE done = 0 ORDER BY seq LIMIT ?',
  jobDone: 'UPDATE jobs SET done = 1 WHERE seq = ?',
  pendingCount: 'SELECT COUNT(*) AS n FROM jobs WHERE done = 0',
  audit: 'INSERT INTO audit (ts, kind, incident_id, action_id, data) VALUES (?, ?, ?, ?, ?)',
  incident: 'SELECT * FROM incidents WHERE id = ?',
  setIncident: 'UPDATE incidents SET status = ?, step = ? WHERE id = ?',
  heal: 'UPDATE incidents SET status = ?, healed_at = ?, mttr_seconds = ? WHERE id = ?',
  actionInsert: `INSERT INTO actions (id, incident_id, action, step, rule, reason, target, target_key, service, api_call, before, result, error,
           verification, started_at, phase)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  actionFinish: `UPDATE actions SET after = ?, result = ?, error = ?, finished_at = ?, phase = 'done', api_call = COALESCE(?, api_call),
           verification = ? WHERE id = ?`,
  actionVerify:
    'UPDATE actions SET verification = ?, verified_at = ?, result = COALESCE(?, result) WHERE id = ?',
  action: 'SELECT * FROM actions WHERE id = ?',
  actionsOfIncident: 'SELECT * FROM actions WHERE incident_id = ? ORDER BY started_at, rowid',
  interrupted: "SELECT * FROM actions WHERE phase = 'started'",
  // failed with a verification pending: a call a crash interrupted (effect unknown), verified, never undone
  unverified:
    "SELECT * FROM actions WHERE phase = 'done' AND verification = 'pending' AND result IN ('succeeded', 'failed')",
  actionSilence: 'UPDATE actions SET silence_id = ? WHERE id = ?',
  actionSilenceOf: 'SELECT silence_id AS s FROM actions WHERE id = ?',
  actionUndoFailed: "UPDATE actions SET result = 'failed', error = ? WHERE id = ?",
  openIncidents: "SELECT id FROM incidents WHERE status IN ('open', 'healing') ORDER BY received_at",
  setting: 'SELECT value FROM settings WHERE key = ?',
  setSetting:
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  incidentsRange: `SELECT * FROM incidents WHERE received_at BETWEEN ? AND ? AND (? IS NULL OR service = ?) ORDER BY received_at LIMIT 5000`,
  actionsRange: `SELECT * FROM actions WHERE started_at BETWEEN ? AND ? AND (? IS NULL OR service = ?) ORDER BY started_at LIMIT 10000`,
  // the intake's declined decisions (declined-alert.ts): started when their incident was received
  declinedRange: `SELECT decision FROM incidents WHERE received_at BETWEEN ? AND ? AND (? IS NULL OR service = ?)
           AND decision IS NOT NULL ORDER BY received_at LIMIT 10000`,
  auditCount: 'SELECT COUNT(*) AS n FROM audit',
} as const;

export type Statements = { [K in keyof typeof SQL]: Database.Statement };

/** Prepares every statement once at start-up (a typo in SQL fails at boot, not mid-incident). */
export function prepareStatements(db: Database.Database): Statements {
  const out: Partial<Record<keyof typeof SQL, Database.Statement>> = {};
  for (const k of Object.keys(SQL) as (keyof typeof SQL)[]) out[k] = db.prepare(SQL[k]);
  return out as Statements;
}
