import type Database from 'better-sqlite3';
import { ScaleBack, type Labels } from '@homeostat/contracts';
import type { AuditSqlite } from '../sinks/audit-sqlite';

/** A give-back as the timeline shows it: when, what, and the labels of the incident it belongs to. */
export interface ScaleBackEntry {
  time: number;
  scaleBack: ScaleBack;
  /** The incident's labels; empty when the give-back names no incident this store knows. */
  labels: Labels;
}

// the service filter is the incident's, as for incidents and actions: a give-back that names no
// incident is shown only unfiltered
const SQL = `SELECT a.ts AS ts, a.data AS data, i.labels AS labels FROM audit a
  LEFT JOIN incidents i ON i.id = a.incident_id
  WHERE a.kind = 'scale_back' AND a.ts BETWEEN ? AND ? AND (? IS NULL OR i.service = ?)
  ORDER BY a.ts LIMIT 5000`;

/**
 * The give-backs of scale-outs (audit records `scale_back`, see scale-out-hold.ts) in a time range,
 * read from the append-only audit log where the remediator writes them.
 */
export class ScaleBackLog {
  private readonly range: Database.Statement;

  constructor(audit: Pick<AuditSqlite, 'db'>) {
    this.range = audit.db.prepare(SQL);
  }

  /** Give-backs recorded between `from` and `to` (epoch ms, inclusive), oldest first. */
  between(from: number, to: number, service?: string): ScaleBackEntry[] {
    const rows = this.range.all(from, to, service ?? null, service ?? null) as {
      ts: number;
      data: string;
      labels: string | null;
    }[];
    return rows.flatMap((r) => {
      // every record was written from a GiveBack; one that does not read as one is not drawn
      const parsed = ScaleBack.safeParse(JSON.parse(r.data));
      if (!parsed.success) return [];
      return [
        { time: r.ts, scaleBack: parsed.data, labels: r.labels ? (JSON.parse(r.labels) as Labels) : {} },
      ];
    });
  }
}
