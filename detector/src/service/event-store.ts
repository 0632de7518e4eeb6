import Database from 'better-sqlite3';
import type { AnomalyEvent, FeatureContribution } from '@homeostat/contracts';

interface EventRow {
  id: string;
  detector: string;
  key: string;
  labels: string;
  start: number;
  end: number | null;
  peak_score: number;
  peak_at: number;
  top_features: string;
}

/**
 * Anomaly events (runs of anomalous points of one entity) in SQLite. An event is written when it
 * opens and rewritten as its peak grows and when it closes, so a crash loses at most the last
 * update and an open event survives a restart (end IS NULL).
 */
export class EventStore {
  private readonly db: Database.Database;
  private readonly upsertStmt: Database.Statement;
  private readonly rangeStmt: Database.Statement;
  private readonly openStmt: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        id TEXT PRIMARY KEY,
        detector TEXT NOT NULL,
        key TEXT NOT NULL,
        labels TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER,
        peak_score REAL NOT NULL,
        peak_at INTEGER NOT NULL,
        top_features TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS events_start ON events (start);
      CREATE INDEX IF NOT EXISTS events_entity ON events (detector, key);
    `);
    this.upsertStmt = this.db.prepare(`
      INSERT INTO events (id, detector, key, labels, start, "end", peak_score, peak_at, top_features)
      VALUES (@id, @detector, @key, @labels, @start, @end, @peak_score, @peak_at, @top_features)
      ON CONFLICT (id) DO UPDATE SET "end" = excluded."end", peak_score = excluded.peak_score,
        peak_at = excluded.peak_at, top_features = excluded.top_features`);
    // Overlap with [from, to]: started before `to` and not ended before `from`.
    this.rangeStmt = this.db.prepare(`
      SELECT * FROM events WHERE start <= @to AND ("end" IS NULL OR "end" >= @from)
        AND (@detector IS NULL OR detector = @detector) AND (@key IS NULL OR key = @key)
      ORDER BY start, id LIMIT 10000`);
    this.openStmt = this.db.prepare(`SELECT * FROM events WHERE "end" IS NULL`);
  }

  /** Writes many events in one transaction (one cycle's changes). */
  saveAll(events: readonly AnomalyEvent[]): void {
    if (events.length === 0) return;
    this.db.transaction((list: readonly AnomalyEvent[]) => {
      for (const e of list) this.upsertStmt.run(toRow(e));
    })(events);
  }

  list(q: { from: number; to: number; detector?: string; key?: string }): AnomalyEvent[] {
    const rows = this.rangeStmt.all({
      from: q.from,
      to: q.to,
      detector: q.detector ?? null,
      key: q.key ?? null,
    }) as EventRow[];
    return rows.map(fromRow);
  }

  open(): AnomalyEvent[] {
    return (this.openStmt.all() as EventRow[]).map(fromRow);
  }

  close(): void {
    this.db.close();
  }
}

function toRow(e: AnomalyEvent): EventRow {
  return {
    id: e.id,
    detector: e.detector,
    key: e.key,
    labels: JSON.stringify(e.labels),
    start: e.start,
    end: e.end,
    peak_score: e.peakScore,
    peak_at: e.peakAt,
    top_features: JSON.stringify(e.topFeatures),
  };
}

function fromRow(r: EventRow): AnomalyEvent {
  return {
    id: r.id,
    detector: r.detector,
    key: r.key,
    labels: JSON.parse(r.labels) as Record<string, string>,
    start: r.start,
    end: r.end,
    peakScore: r.peak_score,
    peakAt: r.peak_at,
    topFeatures: JSON.parse(r.top_features) as FeatureContribution[],
  };
}
