import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LiveScoreLog } from './live-score-log';

describe('LiveScoreLog', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'homeostat-live-scores-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const point = (key: string, timestamp: number, score: number | null) => ({
    detector: 'd',
    key,
    timestamp,
    score,
    anomaly: score !== null && score >= 1,
    topFeature: score === null ? null : 'cpu',
  });

  it('keeps what was recorded across a reopen, per entity, within the range asked', () => {
    const file = join(dir, 'live.sqlite');
    const a = new LiveScoreLog(file, 3_600_000);
    a.append('d', 'h1', [point('x', 1000, 0.2), point('x', 2000, 1.4), point('y', 2000, null)], 2000);
    a.close();
    const b = new LiveScoreLog(file, 3_600_000);
    const r = b.range('d', 'h1', 1500, 2000);
    expect([...r.keys()].sort()).toEqual(['x', 'y']);
    expect(r.get('x')?.get(2000)).toEqual({ timestamp: 2000, score: 1.4, anomaly: true, topFeature: 'cpu' });
    expect(r.get('x')?.has(1000)).toBe(false);
    expect(r.get('y')?.get(2000)?.score).toBeNull();
    expect(b.range('other', 'h1', 0, 5000).size).toBe(0);
    b.close();
  });

  it('serves only the points scored with the settings asked for (a config change starts a new record)', () => {
    const log = new LiveScoreLog(join(dir, 'live.sqlite'), 3_600_000);
    log.append('d', 'old', [point('x', 1000, 1.7)], 1000);
    log.append('d', 'new', [point('x', 2000, 0.3)], 2000);
    expect([...(log.range('d', 'new', 0, 5000).get('x')?.keys() ?? [])]).toEqual([2000]);
    expect([...(log.range('d', 'old', 0, 5000).get('x')?.keys() ?? [])]).toEqual([1000]);
    log.close();
  });

  it('forgets points older than its retention, per detector, with a delete on its primary key', () => {
    const file = join(dir, 'live.sqlite');
    const log = new LiveScoreLog(file, 10_000);
    log.append('d', 'h', [point('x', 1000, 0.2)], 1000);
    log.append('e', 'h', [{ ...point('x', 1000, 0.2), detector: 'e' }], 1000);
    log.append('d', 'h', [point('x', 100_000, 0.3)], 100_000);
    expect([...(log.range('d', 'h', 0, 200_000).get('x')?.keys() ?? [])]).toEqual([100_000]);
    // The other detector's rows wait for its own cycle.
    expect(log.range('e', 'h', 0, 200_000).get('x')?.size).toBe(1);
    log.close();
    const db = new Database(file, { readonly: true });
    const plan = db
      .prepare('EXPLAIN QUERY PLAN DELETE FROM live_scores WHERE detector = ? AND t < ?')
      .all('d', 0) as { detail: string }[];
    db.close();
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING PRIMARY KEY \(detector=\? AND t<\?\)/);
  });

  it('drops a table written before points carried their settings hash', () => {
    const file = join(dir, 'live.sqlite');
    const db = new Database(file);
    db.exec(
      'CREATE TABLE live_scores (detector TEXT, key TEXT, t INTEGER, score REAL, anomaly INTEGER, top TEXT)',
    );
    db.exec("INSERT INTO live_scores VALUES ('d', 'x', 1000, 1.5, 1, 'cpu')");
    db.close();
    const log = new LiveScoreLog(file, 3_600_000);
    expect(log.range('d', 'h', 0, 5000).size).toBe(0);
    log.close();
  });
});
