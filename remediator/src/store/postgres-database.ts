import type Database from 'better-sqlite3';
import { PgSyncClient } from './pg-sync-client';
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

/**
 * The subset of better-sqlite3's Database the audit store, claims and waits use (prepare with
 * run/get/all, nested transactions as savepoints, exec, open), on one synchronous PostgreSQL
 * connection. `open` is false while the connection is down, so /readyz says so.
 */
export class PostgresDatabase {
  private depth = 0;

  constructor(readonly client: PgSyncClient) {}

  static connect(url: string, timeoutMs = 10_000): PostgresDatabase {
    const client = new PgSyncClient(url);
    client.waitUntilUp(timeoutMs);
    const db = new PostgresDatabase(client);
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
        const r = this.client.query(text, args(params));
        const id = returning ? (r.rows[0]?.[returning] ?? 0) : 0;
        return { changes: r.rowCount, lastInsertRowid: id as number };
      },
      get: (...params: unknown[]) => this.client.query(text, args(params)).rows[0],
      all: (...params: unknown[]) => this.client.query(text, args(params)).rows,
    };
    return stmt as unknown as Database.Statement;
  }

  exec(sql: string): void {
    this.client.query(sql);
  }

  /**
   * Like better-sqlite3's: the returned function runs `fn` in a transaction (a savepoint when
   * nested) and rolls back if it throws.
   */
  transaction<A extends unknown[], T>(fn: (...a: A) => T): (...a: A) => T {
    return (...a: A) => {
      const outer = this.depth === 0;
      const sp = `sp${this.depth}`;
      this.client.query(outer ? 'BEGIN' : `SAVEPOINT ${sp}`);
      this.depth++;
      let out: T;
      try {
        out = fn(...a);
      } catch (e) {
        this.depth--;
        this.undo(outer, sp);
        throw e;
      }
      this.depth--;
      try {
        this.client.query(outer ? 'COMMIT' : `RELEASE SAVEPOINT ${sp}`);
      } catch (e) {
        this.undo(outer, sp);
        throw e;
      }
      return out;
    };
  }

  private undo(outer: boolean, sp: string): void {
    try {
      this.client.query(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${sp}`);
    } catch {
      // the connection is gone: PostgreSQL rolled the transaction back already
    }
  }

  close(): void {
    this.client.close();
  }
}
