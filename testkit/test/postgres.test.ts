import { execFileSync } from 'node:child_process';
import { startPostgres } from '../src';

jest.setTimeout(60_000);

const psql = (url: string, sql: string): string =>
  execFileSync('psql', [url, '-XAtqc', sql], { encoding: 'utf8' }).trim();

describe('a throwaway PostgreSQL', () => {
  it('serves on a random loopback port and keeps its data across a restart on the same dir', async () => {
    const pg = await startPostgres();
    try {
      expect(pg.connectionUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      psql(pg.connectionUrl, 'CREATE TABLE t (v int); INSERT INTO t VALUES (42)');
    } finally {
      await pg.stop();
    }
    const again = await startPostgres({ dir: pg.dir, port: pg.port });
    try {
      expect(psql(again.connectionUrl, 'SELECT v FROM t')).toBe('42');
    } finally {
      await again.stop({ removeDir: true });
    }
  });
});
