import type Database from 'better-sqlite3';
import { ADDED_COLUMNS, ADDED_INDEXES } from './schema.sql';

/** Adds the columns, and then the indexes on them, a database created by an older remediator lacks. */
export function addMissingColumns(db: Database.Database): void {
  for (const [table, column, type] of ADDED_COLUMNS) {
    const cols = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!cols.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
  for (const sql of ADDED_INDEXES) db.exec(sql);
}
