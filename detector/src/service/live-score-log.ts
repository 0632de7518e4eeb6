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

/** A recorded point as a replay reads it. */
export type RecordedScore = Omit<LiveScore, 'detector' | 'key'>;

interface Row {
  key: string;
  t: number;
  score: number | null;
  anomaly: number;
  top: string | null;
}

/** Retention is applied at most this often per detector (a delete is a write transaction). */
const PRUNE_EVERY_MS = 60_000;

/**
 * The scores the live loop computed, point by point, kept for `retentionSeconds` in SQLite (about
 * 80 bytes a point: 50 entities at 15 s are 23 MB a day).
 *
 * Why a record instead of recomputing: a replay can reproduce the live scores only when its
 * models start where the live models started and see exactly what they saw. A dashboard's range
 * ("last 6 hours") starts anywhere, the live models may have run for weeks, restarts resume
 * them, and a late scrape can change a point after the live loop read it. So the replay serves
 * these recorded scores for every point the live loop scored, and computes only the rest: a panel
 * shows the scores the alerts fired on. Each point carries the hash of the detector settings that
 * scored it, so after a config change the old scores are not served as the new config's.
 */
export class LiveScoreLog {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement;
  private readonly rangeStmt: Database.Statement;
  private readonly pruneStmt: Database.Statement;
  private readonly prunedAt = new Map<string, number>();

  constructor(
    file: string,
    private readonly retentionMs: number,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // A table from before the settings hash was recorded cannot say which config scored it: dropped.
    const cols = this.db.prepare(`SELECT name FROM pragma_table_info('live_scores')`).all() as {
      name: string;
    }[];
    if (cols.length && !cols.some((c) => c.name === 'config')) this.db.exec('DROP TABLE live_scores');
    // WITHOUT ROWID: the primary key is the only index and rows are small (one a point); its
    // (detector, t) prefix serves both the range reads and the retention deletes.
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS live_scores (
        detector TEXT NOT NULL,
        t INTEGER NOT NULL,
        key TEXT NOT NULL,
        config TEXT NOT NULL,
        score REAL,
        anomaly INTEGER NOT NULL,
        top TEXT,
        PRIMARY KEY (detector, t, key)
      ) WITHOUT ROWID;
    `);
    this.insertStmt = this.db.prepare(`
      INSERT OR REPLACE INTO live_scores (detector, t, key, config, score, anomaly, top)
      VALUES (@detector, @t, @key, @config, @score, @anomaly, @top)`);
    this.rangeStmt = this.db.prepare(`
      SELECT key, t, score, anomaly, top FROM live_scores
      WHERE detector = @detector AND t >= @from AND t <= @to AND config = @config`);
    this.pruneStmt = this.db.prepare(`DELETE FROM live_scores WHERE detector = @detector AND t < @before`);
  }

  /**
   * Writes one cycle's points of one detector (scored with settings `config`) in one transaction,
   * and forgets that detector's points older than the retention (at most once a minute).
   */
  append(detector: string, config: string, points: readonly LiveScore[], now: number): void {
    const prune = now - (this.prunedAt.get(detector) ?? -Infinity) >= PRUNE_EVERY_MS;
    if (!points.length && !prune) return;
    this.db.transaction(() => {
      for (const p of points)
        this.insertStmt.run({
          detector,
          key: p.key,
          t: p.timestamp,
          config,
          score: p.score,
          anomaly: p.anomaly ? 1 : 0,
          top: p.topFeature,
        });
      if (prune) this.pruneStmt.run({ detector, before: now - this.retentionMs });
    })();
    if (prune) this.prunedAt.set(detector, now);
  }

  /** Per entity key: the points in [from, to] recorded with settings `config`, by timestamp. */
  range(detector: string, config: string, from: number, to: number): Map<string, Map<number, RecordedScore>> {
    const out = new Map<string, Map<number, RecordedScore>>();
    for (const r of this.rangeStmt.iterate({ detector, config, from, to }) as Iterable<Row>) {
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
