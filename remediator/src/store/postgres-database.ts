import type Database from 'better-sqlite3';
import { RemediatorError } from '../errors';
import { coalesceAudit } from './append-coalesce';
import { PgSyncClient, type PgResult } from './pg-sync-client';
import { postgresSchema } from './schema-pg.sql';

/** Inserts whose generated key callers read back (better-sqlite3's lastInsertRowid). */
const RETURNING: Record<string, string> = { jobs: 'seq' };

/**
 * Rewrites the store's SQLite statements for PostgreSQL: positional `?` and named `@x`
 * parameters become `$n`, `INSERT OR IGNORE` becomes `ON CONFLICT DO NOTHING`, an untyped
 * `? IS NULL` gets a type, rowid (a tie-break) becomes ctid, camelCase aliases are quoted.
 */
export function toPostgresSql(sql: string): {
  text: string;
  names: string[] | null;
  returning: string | null;
} {
  let text = sql;
  let ignore = false;
  if (/^\s*INSERT OR IGNORE INTO/i.test(text)) {
    text = text.replace(/INSERT OR IGNORE INTO/i, 'INSERT INTO');
    ignore = true;
  }
  const names: string[] = [];
  let n = 0;
  text = text.replace(/(\?|@[A-Za-z_][A-Za-z0-9_]*)(\s+IS NULL)?/g, (_m, p: string, isNull?: string) => {
    n++;
    if (p.startsWith('@')) names.push(p.slice(1));
    return `$${n}${isNull ? `::text${isNull}` : ''}`;
  });
  text = text.replace(/\browid\b/g, 'ctid');
  // PostgreSQL folds unquoted names to lower case; the store's camelCase aliases must survive
  text = text.replace(/\bAS ([a-z]+[A-Z]\w*)\b/g, 'AS "$1"');
  if (ignore) text += ' ON CONFLICT DO NOTHING';
  const table = /^\s*INSERT INTO (\w+)/i.exec(text)?.[1];
  const returning = table ? (RETURNING[table] ?? null) : null;
  if (returning) text += ` RETURNING ${returning}`;
  return { text, names: names.length ? names : null, returning };
}

type Row = Record<string, unknown>;

interface Pending {
  sql: string;
  params: unknown[];
  result: PgResult | null;
}

/**
 * The subset of better-sqlite3's Database the audit store, claims and waits use (prepare with
 * run/get/all, nested transactions as savepoints, exec, open), on one synchronous PostgreSQL
 * connection. `open` is false while the connection is down, so /readyz says so.
 *
 * Inside a transaction, writes whose result nobody reads are queued and sent with the next read
 * or the COMMIT in one hop to the connection's worker: `run()` answers with lazy `changes` /
 * `lastInsertRowid` that send the queue when read. A failing queued write fails the transaction
 * (at the latest at COMMIT), as it would have at once on SQLite.
 */
export class PostgresDatabase {
  private depth = 0;
  private pending: Pending[] = [];
  /** Inside batch(): nested blocks are no savepoints and send nothing when they end. */
  private batching = false;
  /** A nested block of the current batch threw: the batch must not commit. */
  private poisoned = false;

  constructor(
    readonly client: PgSyncClient,
    /** The server's URL: the webhook intake opens its own asynchronous connections to it. */
    readonly url: string,
  ) {}

  static connect(url: string, timeoutMs = 10_000): PostgresDatabase {
    const client = new PgSyncClient(url);
    client.waitUntilUp(timeoutMs);
    const db = new PostgresDatabase(client, url);
    // replicas starting together must not create the tables twice
    db.client.query("SELECT pg_advisory_lock(hashtext('homeostat-remediator-schema'))");
    try {
      db.client.query(postgresSchema());
    } finally {
      db.client.query("SELECT pg_advisory_unlock(hashtext('homeostat-remediator-schema'))");
    }
    return db;
  }

  get open(): boolean {
    return this.client.up;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(sql: string): Database.Statement {
    const { text, names, returning } = toPostgresSql(sql);
    const args = (params: unknown[]): unknown[] => {
      const values =
        names && params.length === 1 && typeof params[0] === 'object' && params[0] !== null
          ? names.map((k) => (params[0] as Row)[k])
          : params;
      return values.map((v) => (v === undefined ? null : v));
    };
    const stmt = {
      run: (...params: unknown[]) => {
        const p = this.enqueue(text, args(params));
        if (this.depth === 0) this.flush();
        const result = (): PgResult => {
          if (!p.result) this.flush();
          return p.result!;
        };
        return {
          get changes() {
            return result().rowCount;
          },
          get lastInsertRowid() {
            return (returning ? (result().rows[0]?.[returning] ?? 0) : 0) as number;
          },
        };
      },
      get: (...params: unknown[]) => this.read(text, args(params))[0],
      all: (...params: unknown[]) => this.read(text, args(params)),
    };
    return stmt as unknown as Database.Statement;
  }

  exec(sql: string): void {
    this.enqueue(sql, []);
    this.flush();
  }

  /**
   * Like better-sqlite3's: the returned function runs `fn` in a transaction (a savepoint when
   * nested) and rolls back if it throws.
   */
  transaction<A extends unknown[], T>(fn: (...a: A) => T): (...a: A) => T {
    return (...a: A) => {
      const outer = this.depth === 0;
      if (!outer && this.batching) return this.unsaved(() => fn(...a));
      if (outer) this.poisoned = false;
      const sp = `sp${this.depth}`;
      const mark = this.enqueue(outer ? 'BEGIN' : `SAVEPOINT ${sp}`, []);
      this.depth++;
      let out: T;
      try {
        out = fn(...a);
        if (outer && this.poisoned)
          throw new RemediatorError(
            'PERSISTENCE_FAILED',
            'a block of this batch failed: all of it is rolled back',
          );
        this.enqueue(outer ? 'COMMIT' : `RELEASE SAVEPOINT ${sp}`, []);
        // a block ends with its queue sent: its own failure surfaces in it, as on SQLite
        this.flush();
      } catch (e) {
        this.depth--;
        this.undo(outer, sp, mark);
        throw e;
      }
      this.depth--;
      return out;
    };
  }

  /**
   * Runs `fn` in one transaction whose nested blocks are no savepoints and send their writes with
   * the next read or the commit instead of one round trip each. A failing write or block then
   * fails the whole transaction, not only its block: for callers that never catch a nested block's
   * failure and go on (the engine's pass: one failed decision fails the pass), the outcome is the
   * same with fewer statements and round trips.
   */
  batch<T>(fn: () => T): T {
    if (this.depth > 0) return this.transaction(fn)();
    this.batching = true;
    try {
      return this.transaction(fn)();
    } finally {
      this.batching = false;
    }
  }

  close(): void {
    this.pending = [];
    this.client.close();
  }

  private enqueue(sql: string, params: unknown[]): Pending {
    const p: Pending = { sql, params, result: null };
    this.pending.push(p);
    return p;
  }

  private read(sql: string, params: unknown[]): Row[] {
    const p = this.enqueue(sql, params);
    this.flush();
    return p.result!.rows;
  }

  /** Sends the queue; on an error the statements after the failing one are dropped. */
  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const { statements, slots } = this.batching
      ? coalesceAudit(batch)
      : { statements: batch, slots: batch.map((_p, i) => i) };
    try {
      const results = this.client.batch(statements);
      // a merged audit insert answers for each of its rows: one row inserted each
      batch.forEach((p, i) => {
        const r = results[slots[i]!]!;
        p.result = statements[slots[i]!] === p ? r : { rows: [], rowCount: 1 };
      });
    } catch (e) {
      const done = (e as { results?: PgResult[] }).results ?? [];
      batch.forEach((p, i) => {
        if (slots[i]! < done.length && statements[slots[i]!] === p) p.result = done[slots[i]!]!;
      });
      throw e;
    }
  }

  /**
   * A nested block inside batch(): no savepoint (two statements fewer per block). Its failure
   * cannot be rolled back alone, so it poisons the batch: the outer block rolls all of it back even
   * if a caller caught the error and went on.
   */
  private unsaved<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } catch (e) {
      this.poisoned = true;
      throw e;
    } finally {
      this.depth--;
    }
  }

  private undo(outer: boolean, sp: string, mark: Pending): void {
    const i = this.pending.indexOf(mark);
    if (i >= 0) {
      // the block never reached the database: drop it, keep what the enclosing block queued
      this.pending.length = i;
      return;
    }
    // everything still queued belongs to this block (it was sent up to and including its start)
    this.pending = [];
    try {
      this.client.query(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${sp}`);
    } catch {
      // the connection is gone: PostgreSQL rolled the transaction back already
    }
  }
}
