import { RemediatorError } from '../errors';
import { alertAuditData, declinedAudit, declinedRecord, type Declined } from './declined-alert';
import { INTAKE_FUNCTION_NAME } from './intake-pg-function.sql';
import {
  dedupeKeyOf,
  incidentIdOf,
  type IncomingAlert,
  type IntakeBatch,
  type IntakeResult,
  type Job,
} from './records';

/** The part of `pg` (no type package in the tree) the intake uses. */
interface PgClient {
  query(q: { name: string; text: string; values: unknown[] }): Promise<PgRes>;
  release(destroy?: boolean | Error): void;
}
interface PgRes {
  rows: Record<string, unknown>[];
}
interface PgPool {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: 'error', fn: (e: Error) => void): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Pool } = require('pg') as { Pool: new (o: Record<string, unknown>) => PgPool };

/** The statement every group commit runs, prepared once per pooled connection. */
const INTAKE = {
  name: INTAKE_FUNCTION_NAME,
  text: `SELECT r_kind, r_seq, r_text, r_status FROM ${INTAKE_FUNCTION_NAME}($1::json, $2::bigint)`,
};

/**
 * The webhook intake on PostgreSQL, asynchronous: a group commit's notifications are persisted on a
 * pooled connection while the event loop goes on parsing requests (the synchronous client would
 * block it through the round trip and the commit's fsync, so batches could not grow). Same rows,
 * same order and same dedupe rule as the SQLite intake (AuditSqlite.acceptBatch): the `dedupe`
 * primary key decides, under PostgreSQL's row locks, which replica's copy of a notification is new.
 * One round trip and one transaction per group commit: this release's intake function
 * (intake-pg-function.sql.ts) called by a prepared statement with the batch as one JSON parameter.
 * (Before: two round trips, the dedupe keys and then SQL text with literals rebuilt for every batch,
 * which PostgreSQL parsed and planned each time.)
 */
export class IntakePostgres {
  private readonly pool: PgPool;

  constructor(url: string, connections = 4) {
    this.pool = new Pool({ connectionString: url, max: connections, connectionTimeoutMillis: 3000 });
    // an idle connection that drops is replaced on the next batch; the batch that hit it failed
    this.pool.on('error', () => undefined);
  }

  async acceptBatch(batch: IntakeBatch, now: number): Promise<IntakeResult> {
    const alerts = firstCopies(batch, now);
    if (alerts.length === 0)
      return { counts: batch.map(() => ({ fresh: 0, duplicates: 0 })), jobs: [], closed: [] };
    let client: PgClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw new RemediatorError('PERSISTENCE_FAILED', 'could not persist the notification', { cause: e });
    }
    let broken: Error | undefined;
    let res: PgRes;
    try {
      // one statement outside a transaction block: it commits or rolls back as a whole
      res = await client.query({ ...INTAKE, values: [JSON.stringify(alerts.map(rowOf)), now] });
    } catch (e) {
      broken = e instanceof Error ? e : new Error(String(e));
      throw new RemediatorError('PERSISTENCE_FAILED', 'could not persist the notification', { cause: e });
    } finally {
      client.release(broken);
    }
    return resultOf(batch, alerts, res.rows);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** An alert of the batch with the notification (`n`) it came in, its keys and its decision's action id. */
interface Keyed {
  n: number;
  source: IntakeBatch[number]['source'];
  a: IncomingAlert;
  key: string;
  id: string;
  /** Set when the intake declined the alert (IntakeDecision): the decision it records if it closes. */
  declined: Declined | null;
}

/** The batch's alerts, a dedupe key that comes twice only in its first copy (the later ones are duplicates). */
function firstCopies(batch: IntakeBatch, now: number): Keyed[] {
  const seen = new Set<string>();
  const out: Keyed[] = [];
  batch.forEach(({ source, alerts }, n) => {
    for (const a of alerts) {
      const key = dedupeKeyOf(a);
      if (seen.has(key)) continue;
      seen.add(key);
      const id = incidentIdOf(a.fingerprint, a.startsAtRaw);
      out.push({
        n,
        source,
        a,
        key,
        id,
        declined: a.decided ? declinedRecord(id, a.decided, now) : null,
      });
    }
  });
  return out;
}

/** One record of the function's JSON parameter (the column list in intake-pg-function.sql.ts). */
const rowOf = ({ a, key, id, source, declined }: Keyed, ord: number) => ({
  ord,
  key,
  id,
  fingerprint: a.fingerprint,
  alertname: a.labels.alertname ?? '',
  service: a.labels.service ?? null,
  labels: JSON.stringify(a.labels),
  annotations: JSON.stringify(a.annotations),
  source,
  status: a.status,
  starts_at: a.startsAt,
  logged: alertAuditData(source, a),
  ...(declined && a.decided
    ? {
        did: declined.record.id,
        closed_status: a.decided.status,
        declined: declined.json,
        ...declinedAudit(id, a.decided),
      }
    : {}),
});

/** Counts per notification, the jobs in queue order, and the incidents closed (created declined). */
function resultOf(batch: IntakeBatch, alerts: Keyed[], rows: Record<string, unknown>[]): IntakeResult {
  const fresh = new Set<string>();
  const closedIds = new Set<string>();
  const jobs: Job[] = [];
  for (const r of rows) {
    if (r.r_kind === 'fresh') fresh.add(String(r.r_text));
    else if (r.r_kind === 'closed') closedIds.add(String(r.r_text));
    else
      jobs.push({ seq: Number(r.r_seq), incidentId: String(r.r_text), status: r.r_status as Job['status'] });
  }
  jobs.sort((x, y) => x.seq - y.seq);
  const counts = batch.map(({ alerts: all }) => ({ fresh: 0, duplicates: all.length }));
  const closed: IntakeResult['closed'] = [];
  for (const x of alerts) {
    if (!fresh.has(x.key)) continue;
    counts[x.n]!.fresh++;
    counts[x.n]!.duplicates--;
    if (x.declined !== null && closedIds.has(x.id)) closed.push({ incidentId: x.id, decided: x.a.decided! });
  }
  return { counts, jobs, closed };
}
