import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { RemediatorError } from '../errors';

export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

/**
 * The worker: one `pg` client, reconnected with capped exponential backoff when the connection
 * drops; every query answers through the port and wakes the caller through the shared flag.
 * BIGINT and NUMERIC come back as numbers (epoch ms and counts fit in a double).
 */
const WORKER = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
pg.types.setTypeParser(20, Number);
pg.types.setTypeParser(1700, Number);
const flag = new Int32Array(workerData.flag);
const port = workerData.port;
let client = null;
let up = false;
let delay = 100;
const answer = (msg) => { port.postMessage(msg); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
async function connect() {
  const c = new pg.Client({ connectionString: workerData.url, connectionTimeoutMillis: 3000, keepAlive: true });
  c.on('error', () => lost(c));
  c.on('end', () => lost(c));
  try {
    await c.connect();
    client = c; up = true; delay = 100;
  } catch {
    lost(c);
  }
}
function lost(c) {
  if (c !== client && client !== null) return;
  up = false; client = null;
  try { c.end().catch(() => {}); } catch {}
  setTimeout(connect, delay);
  delay = Math.min(delay * 2, 5000);
}
// Values inlined as literals (pg's own escaping), so a batch is one simple-protocol round trip.
const literal = (v) =>
  v === null || v === undefined ? 'NULL' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'NULL') : client.escapeLiteral(String(v));
const inline = ({ sql, params }) => (params.length === 0 ? sql : sql.replace(/\\$(\\d+)/g, (_m, n) => literal(params[Number(n) - 1])));
const shape = (r) => ({ rows: r.rows ?? [], rowCount: r.rowCount ?? 0 });
// A batch runs in order and stops at the first error (PostgreSQL skips the rest of a multi-statement query).
port.on('message', async ({ id, batch }) => {
  if (batch === null) return answer({ id, up });
  if (!up || !client) return answer({ id, results: [], error: 'PostgreSQL connection is down', down: true });
  try {
    if (batch.length === 1) {
      const r = await client.query(batch[0].sql, batch[0].params);
      return answer({ id, results: [shape(r)] });
    }
    const r = await client.query(batch.map(inline).join(';\\n'));
    answer({ id, results: (Array.isArray(r) ? r : [r]).map(shape) });
  } catch (e) {
    answer({ id, results: [], error: e && e.message ? e.message : String(e), code: e && e.code, down: !up });
  }
});
connect();
`;

/**
 * A synchronous PostgreSQL connection: the query runs on a worker thread while this thread waits
 * on a shared flag. The audit store, claims and waits were written against better-sqlite3's
 * synchronous API, where a decision and its claim are one uninterrupted step; this keeps that
 * property on PostgreSQL (nothing else runs on this thread between BEGIN and COMMIT). One
 * connection, so one PostgreSQL session: a session-level advisory lock taken on it (leadership)
 * is lost exactly when the connection is.
 */
export class PgSyncClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private closed = false;
  private seq = 0;

  constructor(
    url: string,
    private readonly timeoutMs = 10_000,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { url, pgPath: require.resolve('pg'), flag: this.flag.buffer, port: port2 },
      transferList: [port2],
    });
    this.worker.unref();
  }

  /** Whether the worker holds a live connection (false while reconnecting). */
  get up(): boolean {
    if (this.closed) return false;
    return (this.call(null) as { up: boolean }).up;
  }

  /** Waits (blocking, bounded) until the first connection is made. */
  waitUntilUp(timeoutMs: number): void {
    const end = Date.now() + timeoutMs;
    while (!this.up) {
      if (Date.now() > end)
        throw new RemediatorError('PERSISTENCE_FAILED', 'cannot connect to PostgreSQL', {
          field: 'state.url',
        });
      Atomics.wait(this.flag, 0, 2, 50);
    }
  }

  query(sql: string, params: unknown[] = []): PgResult {
    return this.batch([{ sql, params }])[0]!;
  }

  /**
   * Runs statements in order in one round trip (several: one simple-protocol query with the values
   * inlined as escaped literals); throws at the first that fails.
   */
  batch(statements: { sql: string; params: unknown[] }[]): PgResult[] {
    const r = this.call(statements) as { results: PgResult[]; error?: string; code?: string };
    if (r.error !== undefined) {
      const e = new RemediatorError('PERSISTENCE_FAILED', `PostgreSQL: ${r.error}`);
      Object.assign(e, { pgCode: r.code, results: r.results });
      throw e;
    }
    return r.results;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
  }

  private call(batch: { sql: string; params: unknown[] }[] | null): unknown {
    if (this.closed) throw new RemediatorError('PERSISTENCE_FAILED', 'PostgreSQL connection closed');
    const id = ++this.seq;
    const end = Date.now() + this.timeoutMs;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ id, batch });
    for (;;) {
      const msg = receiveMessageOnPort(this.port) as { message: { id: number } } | undefined;
      // an answer to a call that timed out earlier is dropped
      if (msg && msg.message.id === id) return msg.message;
      if (msg) continue;
      const left = end - Date.now();
      if (left <= 0)
        throw new RemediatorError(
          'PERSISTENCE_FAILED',
          `PostgreSQL did not answer within ${this.timeoutMs} ms`,
        );
      Atomics.wait(this.flag, 0, 0, left);
      Atomics.store(this.flag, 0, 0);
    }
  }
}
