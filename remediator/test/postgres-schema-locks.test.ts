import { spawn, type ChildProcess } from 'node:child_process';
import { startPostgres, waitFor, type PostgresDaemon } from '@homeostat/testkit';
import { PostgresDatabase } from '../src/store/postgres-database';
import { psql } from './support/ha-replicas';

jest.setTimeout(60_000);

/**
 * A replica starting (a rolling update, a crash restart) applies the schema while another replica
 * serves. On a database that already has it, that must take no lock a serving replica's intake
 * waits on or holds: the intake writes incidents, jobs and audit rows in one transaction, and a
 * start that took SHARE locks (CREATE INDEX IF NOT EXISTS) and ACCESS EXCLUSIVE ones (ADD COLUMN IF
 * NOT EXISTS) behind it could deadlock with it and fail to start.
 */
describe('PostgreSQL schema on start', () => {
  let pg: PostgresDaemon;
  let holder: ChildProcess | null = null;
  afterAll(async () => {
    holder?.kill('SIGKILL');
    await pg?.stop({ removeDir: true });
  });

  it('starts beside an open intake transaction on every table without waiting for it', async () => {
    pg = await startPostgres();
    PostgresDatabase.connect(pg.connectionUrl).close();
    // another replica, mid-transaction, holding what its writes hold
    holder = spawn(
      'psql',
      [
        pg.connectionUrl,
        '-Xq',
        '-c',
        // the lock every INSERT takes, on each table the intake and the engine write
        `BEGIN;
         LOCK TABLE incidents, jobs, actions, audit, dedupe IN ROW EXCLUSIVE MODE;
         SELECT pg_sleep(30);
         COMMIT;`,
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      'the other replica inside its transaction',
      () =>
        psql(
          pg.connectionUrl,
          "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
        ) === '1',
    );
    const db = PostgresDatabase.connect(pg.connectionUrl);
    // it started while the other transaction is still open: it did not wait for it to end
    expect(
      psql(
        pg.connectionUrl,
        "SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
      ),
    ).toBe('1');
    expect(psql(pg.connectionUrl, "SELECT to_regclass('incidents_declined') IS NOT NULL")).toBe('t');
    db.close();
  });
});
