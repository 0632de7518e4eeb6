import { randomUUID } from 'node:crypto';
import { RemediatorError } from '../errors';
import {
  closable,
  dedupeKeyOf,
  incidentIdOf,
  type IntakeBatch,
  type IntakeResult,
  type Job,
  type NewAction,
} from './records';

/** The part of `pg` (no type package in the tree) the intake uses. */
interface PgClient {
  query(sql: string): Promise<PgRes | PgRes[]>;
  escapeLiteral(s: string): string;
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

const list = (r: PgRes | PgRes[]): PgRes[] => (Array.isArray(r) ? r : [r]);

/**
 * The webhook intake on PostgreSQL, asynchronous: a group commit's notifications are persisted
 * with set-based statements on a pooled connection while the event loop goes on parsing requests
 * (the synchronous client would block it through every round trip and the commit's fsync, so
 * batches could not grow). Same rows, same order and same dedupe rule as the SQLite intake
 * (AuditSqlite.acceptBatch): the `dedupe` primary key decides, under PostgreSQL's row locks, which
 * replica's copy of a notification is new. Two round trips: the dedupe keys (their RETURNING says
 * which alerts are new), then incidents, resolutions, jobs and audit rows and the COMMIT.
 */
export class IntakePostgres {
  private readonly pool: PgPool;

  constructor(url: string, connections = 4) {
    this.pool = new Pool({ connectionString: url, max: connections, connectionTimeoutMillis: 3000 });
    // an idle connection that drops is replaced on the next batch; the batch that hit it failed
    this.pool.on('error', () => undefined);
  }

  async acceptBatch(batch: IntakeBatch, now: number): Promise<IntakeResult> {
    let client: PgClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw new RemediatorError('PERSISTENCE_FAILED', 'could not persist the notification', { cause: e });
    }
    let broken: Error | undefined;
    try {
      return await this.persist(client, batch, now);
    } catch (e) {
      broken = e instanceof Error ? e : new Error(String(e));
      await client.query('ROLLBACK').catch(() => undefined);
      throw new RemediatorError('PERSISTENCE_FAILED', 'could not persist the notification', { cause: e });
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async persist(client: PgClient, batch: IntakeBatch, now: number): Promise<IntakeResult> {
    const lit = (v: string | number | null): string =>
      v === null ? 'NULL' : typeof v === 'number' ? String(v) : client.escapeLiteral(v);
    const row = (vs: (string | number | null)[]): string => `(${vs.map(lit).join(', ')})`;
    const all = batch.flatMap(({ source, alerts }, n) =>
      alerts.map((a) => ({ n, source, a, key: dedupeKeyOf(a) })),
    );
    if (all.length === 0)
      return { counts: batch.map(() => ({ fresh: 0, duplicates: 0 })), jobs: [], closed: [] };
    const [, keys] = list(
      await client.query(
        `BEGIN; INSERT INTO dedupe (key, received_at) VALUES ${all.map((x) => row([x.key, now])).join(', ')}
         ON CONFLICT DO NOTHING RETURNING key`,
      ),
    );
    // a key twice in one batch: its first copy is new, the second a duplicate (as one by one)
    const unseen = new Set(keys!.rows.map((r) => String(r.key)));
    const fresh = all
      .filter((x) => unseen.delete(x.key))
      .map((x) => ({ ...x, id: incidentIdOf(x.a.fingerprint, x.a.startsAtRaw) }));
    const counts = batch.map(({ alerts }, n) => {
      const f = fresh.filter((x) => x.n === n).length;
      return { fresh: f, duplicates: alerts.length - f };
    });
    if (fresh.length === 0) {
      await client.query('COMMIT');
      return { counts, jobs: [], closed: [] };
    }
    const resolved = fresh.filter((x) => x.a.status === 'resolved').map((x) => lit(x.id));
    // alerts the intake decided (no rule matches): closed here if this statement creates their
    // incident, identified afterwards by their action row (its id is made here, so unique to it)
    const withAid = closable(fresh).map((x) => ({ ...x, aid: x.close ? randomUUID() : undefined }));
    const decided = withAid.flatMap((x) => (x.close && x.aid ? [{ ...x, d: x.close, aid: x.aid }] : []));
    const ifClosed = (aid: string | undefined, closedWhenAbsent: boolean): string =>
      aid === undefined
        ? 'TRUE'
        : `${closedWhenAbsent ? 'NOT ' : ''}EXISTS (SELECT 1 FROM actions WHERE id = ${lit(aid)})`;
    const incidents = `INSERT INTO incidents (id, fingerprint, alertname, service, labels, annotations, source, status, starts_at, received_at)
       VALUES ${withAid
         .map(({ a, id, source, close }) =>
           row([
             id,
             a.fingerprint,
             a.labels.alertname ?? '',
             a.labels.service ?? null,
             JSON.stringify(a.labels),
             JSON.stringify(a.annotations),
             source,
             close ? close.status : a.status === 'firing' ? 'open' : 'resolved',
             a.startsAt,
             now,
           ]),
         )
         .join(', ')} ON CONFLICT DO NOTHING RETURNING id`;
    const actionRows = decided.map(({ id, d, aid }) => {
      const a: NewAction = { incidentId: id, ...d.action };
      const j = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
      return {
        id,
        aid,
        a,
        sql: row([
          aid,
          id,
          a.action,
          a.step,
          a.rule,
          a.reason,
          j(a.target),
          a.targetKey,
          a.service,
          j(a.apiCall),
          j(a.before),
          a.result,
          a.error ?? null,
          a.verification,
          now,
          a.phase,
        ]),
      };
    });
    // One statement, so the action rows see which incidents it created (RETURNING of the CTE).
    const created = actionRows.length
      ? `WITH created AS (${incidents}),
         decided (id, incident_id, action, step, rule, reason, target, target_key, service, api_call, before, result,
           error, verification, started_at, phase) AS (VALUES ${actionRows.map((r) => r.sql).join(', ')})
         INSERT INTO actions (id, incident_id, action, step, rule, reason, target, target_key, service, api_call, before,
           result, error, verification, started_at, phase)
         SELECT d.* FROM decided d JOIN created c ON c.id = d.incident_id`
      : incidents;
    // audit rows in the order the engine writes them: the alerts, then each closed one's decision,
    // status and escalation
    const audits: { ord: number; v: (string | number | null)[]; aid?: string }[] = fresh.map(
      ({ a, id, source }, i) => ({
        ord: i,
        v: [
          now,
          'alert',
          id,
          null,
          JSON.stringify({ source, status: a.status, fingerprint: a.fingerprint, labels: a.labels }),
        ],
      }),
    );
    for (const { id, aid, a } of actionRows) {
      const d = decided.find((x) => x.aid === aid)!.d;
      audits.push(
        { ord: audits.length, aid, v: [now, 'decision', id, aid, JSON.stringify({ ...a })] },
        {
          ord: audits.length + 1,
          aid,
          v: [now, 'incident', id, null, JSON.stringify({ status: d.status, step: a.step, why: d.why })],
        },
        {
          ord: audits.length + 2,
          aid,
          v: [
            now,
            'escalation',
            id,
            null,
            JSON.stringify({ status: d.status, reason: d.reason, why: d.why }),
          ],
        },
      );
    }
    const sql = [
      created,
      resolved.length
        ? `UPDATE incidents SET resolved_at = COALESCE(resolved_at, ${now}),
           status = CASE WHEN status IN ('open', 'healing') THEN 'resolved' ELSE status END
           WHERE id IN (${resolved.join(', ')})`
        : 'SELECT 1',
      `INSERT INTO jobs (incident_id, status, received_at) SELECT v.id, v.status, v.received_at FROM (VALUES ${withAid
        .map(({ a, id, aid }) => row([id, a.status, now]).slice(0, -1) + `, ${ifClosed(aid, true)})`)
        .join(
          ', ',
        )}) AS v (id, status, received_at, queued) WHERE v.queued RETURNING seq, incident_id, status`,
      `INSERT INTO audit (ts, kind, incident_id, action_id, data) SELECT v.ts, v.kind, v.incident_id, v.action_id, v.data
       FROM (VALUES ${audits
         .map((r) => row([r.ord, ...r.v]).slice(0, -1) + `, ${ifClosed(r.aid, false)})`)
         .join(', ')}) AS v (ord, ts, kind, incident_id, action_id, data, kept) WHERE v.kept ORDER BY v.ord`,
      `SELECT id FROM actions WHERE id IN (${decided.length ? decided.map((x) => lit(x.aid)).join(', ') : 'NULL'})`,
      'COMMIT',
    ];
    const results = list(await client.query(sql.join(';\n')));
    const jobs: Job[] = results[2]!.rows
      .map((r) => ({
        seq: Number(r.seq),
        incidentId: String(r.incident_id),
        status: r.status as Job['status'],
      }))
      .sort((x, y) => x.seq - y.seq);
    const made = new Set(results[4]!.rows.map((r) => String(r.id)));
    const closed = decided.filter((x) => made.has(x.aid)).map((x) => ({ incidentId: x.id, decided: x.d }));
    return { counts, jobs, closed };
  }
}
