import { INTAKE_FUNCTION } from './intake-pg-function.sql';
import { ADDED_COLUMNS, ADDED_INDEXES, SCHEMA } from './schema.sql';

/** SQLite column types as PostgreSQL spells them (epoch ms need 64 bits). */
const pgType = (t: string): string => (t === 'INTEGER' ? 'BIGINT' : t === 'REAL' ? 'DOUBLE PRECISION' : t);

/**
 * The PostgreSQL schema, derived from the SQLite one so both stores always have the same tables,
 * columns and keys: one schema, two dialects. SQLite's append-only triggers become one PostgreSQL
 * trigger function. The webhook intake's group commit is a function too (intake-pg-function.sql.ts).
 */
export function postgresSchema(): string {
  const tables = SCHEMA.split('\n')
    .filter((l) => !l.startsWith('CREATE TRIGGER'))
    .map(ifMissing)
    .join('\n')
    .replaceAll('INTEGER PRIMARY KEY AUTOINCREMENT', 'BIGSERIAL PRIMARY KEY')
    .replaceAll(/\bINTEGER\b/g, 'BIGINT')
    .replaceAll(/\bREAL\b/g, 'DOUBLE PRECISION')
    .replaceAll(') WITHOUT ROWID;', ');');
  return `${tables}
CREATE OR REPLACE FUNCTION homeostat_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'audit_append_only') THEN
    CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
      FOR EACH ROW EXECUTE FUNCTION homeostat_audit_append_only();
  END IF;
END $$;
${ADDED_COLUMNS.map(([t, c, type]) => addColumnIfMissing(t, c, pgType(type))).join('\n')}
${ADDED_INDEXES.map((sql) => ifMissing(`${sql};`)).join('\n')}
${INTAKE_FUNCTION}`;
}

/*
 * The schema runs at every start, as one transaction, while other replicas serve (a rolling update).
 * `CREATE INDEX IF NOT EXISTS` takes a SHARE lock on its table before it finds the index there, and
 * `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` an ACCESS EXCLUSIVE one before it finds the column; held
 * to the end of the transaction, they blocked a serving replica's intake (which writes incidents,
 * jobs and audit rows in one transaction) and could deadlock with it, so a restarting replica failed
 * to start. Checked against the catalog first, an up-to-date database takes no table lock.
 */

/** `CREATE [UNIQUE] INDEX IF NOT EXISTS name ...;` only when no relation has that name yet. */
function ifMissing(line: string): string {
  const m = /^CREATE (?:UNIQUE )?INDEX IF NOT EXISTS (\w+) .*;$/.exec(line);
  if (!m) return line;
  return `DO $$ BEGIN IF to_regclass('${m[1]}') IS NULL THEN EXECUTE ${literal(line.slice(0, -1))}; END IF; END $$;`;
}

function addColumnIfMissing(table: string, column: string, type: string): string {
  return `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}' AND column_name = '${column}') THEN ALTER TABLE ${table} ADD COLUMN ${column} ${type}; END IF; END $$;`;
}

/** A SQL string literal (the schema's own text, no user input). */
function literal(sql: string): string {
  return `'${sql.replaceAll("'", "''")}'`;
}
