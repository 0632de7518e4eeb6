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
${ADDED_COLUMNS.map(([t, c, type]) => `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS ${c} ${pgType(type)};`).join('\n')}
${ADDED_INDEXES.map((sql) => `${sql};`).join('\n')}
${INTAKE_FUNCTION}`;
}
