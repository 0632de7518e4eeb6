import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    a.append([point('x', 1000, 0.2), point('x', 2000, 1.4), point('y', 2000, null)], 2000);
    a.close();
    const b = new LiveScoreLog(file, 3_600_000);
    const r = b.range('d', 1500, 2000);
    expect([...r.keys()].sort()).toEqual(['x', 'y']);
    expect(r.get('x')?.get(2000)).toEqual({ timestamp: 2000, score: 1.4, anomaly: true, topFeature: 'cpu' });
    expect(r.get('x')?.has(1000)).toBe(false);
    expect(r.get('y')?.get(2000)?.score).toBeNull();
    expect(b.range('other', 0, 5000).size).toBe(0);
    b.close();
  });

  it('forgets points older than its retention', () => {
    const log = new LiveScoreLog(join(dir, 'live.sqlite'), 10_000);
    log.append([point('x', 1000, 0.2)], 1000);
    log.append([point('x', 12_000, 0.3)], 12_000);
    expect([...(log.range('d', 0, 20_000).get('x')?.keys() ?? [])]).toEqual([12_000]);
    log.close();
  });
});
