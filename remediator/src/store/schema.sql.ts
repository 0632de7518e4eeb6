/**
 * Columns added after the first release: a database created by an older remediator gets them on
 * open (SQLite has no ADD COLUMN IF NOT EXISTS).
 */
export const ADDED_COLUMNS: readonly (readonly [table: string, column: string, type: string])[] = [
  ['incidents', 'wait_on', 'TEXT'],
  ['incidents', 'wait_until', 'INTEGER'],
  ['incidents', 'approved_step', 'INTEGER'],
  ['actions', 'silence_id', 'TEXT'],
  ['incidents', 'decision', 'TEXT'],
];

/**
 * Indexes on ADDED_COLUMNS, created on every open after them, on both stores (SCHEMA runs first,
 * when a database of an older release still lacks the column).
 */
export const ADDED_INDEXES: readonly string[] = [
  // GET /api/v1/actions reads the declined decisions of a range (declined-alert.ts): only their rows
  'CREATE INDEX IF NOT EXISTS incidents_declined ON incidents (received_at) WHERE decision IS NOT NULL',
];

/**
 * SQLite schema of the audit store. `audit` is append-only (triggers refuse UPDATE and DELETE);
 * `incidents` and `actions` are its current-state projections, which the REST API reads; an alert the
 * intake declined keeps its skipped decision in `incidents.decision`, not as an `actions` row
 * (declined-alert.ts). `claims`
 * holds one row per target an action is running or being verified on (see claim-store.ts).
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS dedupe (
  key TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  alertname TEXT NOT NULL,
  service TEXT,
  labels TEXT NOT NULL,
  annotations TEXT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  resolved_at INTEGER,
  healed_at INTEGER,
  mttr_seconds REAL,
  step INTEGER NOT NULL DEFAULT 0,
  wait_on TEXT,
  wait_until INTEGER,
  approved_step INTEGER,
  decision TEXT
);
CREATE INDEX IF NOT EXISTS incidents_received ON incidents (received_at);
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL,
  status TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_pending ON jobs (done, seq);
CREATE TABLE IF NOT EXISTS actions (
  id TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL,
  action TEXT NOT NULL,
  step INTEGER NOT NULL,
  rule TEXT,
  reason TEXT NOT NULL,
  target TEXT,
  target_key TEXT,
  service TEXT,
  api_call TEXT,
  before TEXT,
  after TEXT,
  result TEXT NOT NULL,
  error TEXT,
  verification TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  verified_at INTEGER,
  phase TEXT NOT NULL,
  silence_id TEXT
);
CREATE INDEX IF NOT EXISTS actions_incident ON actions (incident_id);
CREATE INDEX IF NOT EXISTS actions_rule ON actions (rule, started_at);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  incident_id TEXT,
  action_id TEXT,
  data TEXT NOT NULL
);
-- the timeline reads give-backs by time (scale-back-log.ts); partial: other appends add no entry
CREATE INDEX IF NOT EXISTS audit_scale_back ON audit (ts) WHERE kind = 'scale_back';
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS claims (
  target_key TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  incident_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  action_id TEXT,
  claimed_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;
