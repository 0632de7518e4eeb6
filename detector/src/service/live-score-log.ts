import Database from 'better-sqlite3';

/** One live-scored point of one entity, as the live loop exported it. */
export interface LiveScore {
  detector: string;
  key: string;
  timestamp: number;
  score: number | null;
  anomaly: boolean;
  topFeature: string | null;
}

interface Row {
  key: string;
  t: number;
  score: number | null;
  anomaly: number;
  top: string | null;
}

/**
 * The scores the live loop computed, point by point, kept for `retentionSeconds` in SQLite.
 *
 * Why a record instead of recomputing: a replay can reproduce the live scores only when its
 * models start where the live models started and see exactly what they saw. A dashboard's range
 * ("last 6 hours") starts anywhere, the live models may have run for weeks, restarts resume
 * them, and a late scrape can change a point after the live loop read it. So the replay serves
 * these recorded scores for every point the live loop scored, and computes only the rest: a panel
 * shows the scores the alerts fired on.
 */
export class LiveScoreLog {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement;
  private readonly rangeStmt: Database.Statement;
  private readonly pruneStmt: Database.Statement;

  constructor(
    file: string,
    private readonly retentionMs: number,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // WITHOUT ROWID: the primary key is the only index and rows are small (one a point).
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS live_scores (
        detector TEXT NOT NULL,
        key TEXT NOT NULL,
        t INTEGER NOT NULL,
        score REAL,
        anomaly INTEGER NOT NULL,
        top TEXT,
        PRIMARY KEY (detector, t, key)
      ) WITHOUT ROWID;
    `);
    this.insertStmt = this.db.prepare(`
      INSERT OR REPLACE INTO live_scores (detector, key, t, score, anomaly, top)
      VALUES (@detector, @key, @t, @score, @anomaly, @top)`);
    this.rangeStmt = this.db.prepare(`
      SELECT key, t, score, anomaly, top FROM live_scores
      WHERE detector = @detector AND t >= @from AND t <= @to`);
    this.pruneStmt = this.db.prepare(`DELETE FROM live_scores WHERE t < @before`);
  }

  /** Writes one cycle's points in one transaction, and forgets those older than the retention. */
  append(points: readonly LiveScore[], now: number): void {
    this.db.transaction(() => {
      for (const p of points)
        this.insertStmt.run({
          detector: p.detector,
          key: p.key,
          t: p.timestamp,
          score: p.score,
          anomaly: p.anomaly ? 1 : 0,
          top: p.topFeature,
        });
      this.pruneStmt.run({ before: now - this.retentionMs });
    })();
  }

  /** Per entity key: its recorded points in [from, to], by timestamp. */
  range(
    detector: string,
    from: number,
    to: number,
  ): Map<string, Map<number, Omit<LiveScore, 'detector' | 'key'>>> {
    const out = new Map<string, Map<number, Omit<LiveScore, 'detector' | 'key'>>>();
    for (const r of this.rangeStmt.iterate({ detector, from, to }) as Iterable<Row>) {
      let m = out.get(r.key);
      if (!m) out.set(r.key, (m = new Map()));
      m.set(r.t, { timestamp: r.t, score: r.score, anomaly: r.anomaly === 1, topFeature: r.top });
    }
    return out;
  }

  close(): void {
    this.db.close();
  }
}
