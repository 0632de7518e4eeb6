import type Database from 'better-sqlite3';
import type { IncidentRow } from './rows';

/** An incident row as the engine's pass reads it: what toIncident() maps, plus the approved step. */
export type PrefetchedIncident = IncidentRow & {
  approved_step: number | null;
  wait_on: string | null;
  wait_until: number | null;
};

/** Ids per query: well under SQLite's bound-parameter limit. */
const CHUNK = 500;

/**
 * The incident rows of one engine pass, read with one query per 500 jobs instead of two per job
 * (on PostgreSQL each read is a round trip the event loop waits for). Only valid inside that pass:
 * a write to an incident's status, step, wait or approval forgets its row, so a later read in the
 * same pass goes to the database; clearing a wait updates the row (IncidentWaits.clear).
 */
export class IncidentPrefetch {
  private rows = new Map<string, PrefetchedIncident>();

  /** Runs `fn` with the rows of `ids` loaded; they are dropped when it returns or throws. */
  around<T>(db: Database.Database, ids: string[], fn: () => T): T {
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const st = db.prepare(`SELECT * FROM incidents WHERE id IN (${part.map(() => '?').join(', ')})`);
      for (const r of st.all(...part) as PrefetchedIncident[]) this.rows.set(r.id, r);
    }
    try {
      return fn();
    } finally {
      this.rows = new Map();
    }
  }

  get(id: string): PrefetchedIncident | undefined {
    return this.rows.get(id);
  }

  forget(id: string): void {
    this.rows.delete(id);
  }
}
