import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { makeTempDir, startPostgres, type PostgresDaemon } from '@homeostat/testkit';
import { TimelineResponse, type ScaleBack } from '@homeostat/contracts';
import { AuditSqlite } from '../src/sinks/audit-sqlite';
import { PostgresDatabase } from '../src/store/postgres-database';
import { psql } from './support/ha-replicas';
import { alert, webhook } from './support/payload';
import { RecordingActuator } from './support/recording-actuator';
import { asReader, startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(90_000);

const policy = {
  defaults: {
    cooldownSeconds: 3600,
    verify: {
      timeoutSeconds: 5,
      stableSeconds: 0,
      intervalSeconds: 0.1,
      scoreQuery: '',
      requireResolved: false,
    },
  },
  rules: [
    {
      name: 'cpu',
      match: { alertname: 'HomeostatAnomaly' },
      target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
      allow: ['orders', 'payments'],
      ladder: [{ action: 'restart' }],
    },
  ],
};

describe('state on PostgreSQL (state.url)', () => {
  let pg: PostgresDaemon;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(() => pg?.stop({ removeDir: true }));

  it('has the same tables and columns as the SQLite store', () => {
    const db = PostgresDatabase.connect(pg.connectionUrl);
    db.close();
    const lite = new AuditSqlite(join(makeTempDir('schema'), 'a.db'));
    const sqlite = (
      lite.db
        .prepare(
          "SELECT m.name || '.' || p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .all() as { c: string }[]
    )
      .map((r) => r.c)
      .sort();
    lite.close();
    const postgres = psql(
      pg.connectionUrl,
      "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1",
    )
      .split('\n')
      .sort();
    expect(postgres).toEqual(sqlite);
    expect(sqlite.length).toBeGreaterThan(40);
  });

  it('queued writes keep SQLite transaction semantics: a failure fails its block, a nested block rolls back alone', () => {
    const db = PostgresDatabase.connect(pg.connectionUrl);
    try {
      db.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)');
      const ins = db.prepare('INSERT INTO t (k) VALUES (?)');
      const ignore = db.prepare('INSERT OR IGNORE INTO t (k) VALUES (?)');
      expect(() =>
        db.transaction(() => {
          ins.run('a');
          ins.run('a');
        })(),
      ).toThrow(/duplicate key/);
      expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 0 });
      db.transaction(() => {
        ins.run('b');
        expect(() =>
          db.transaction(() => {
            ins.run('c');
            ins.run('c');
          })(),
        ).toThrow(/duplicate key/);
        expect(ignore.run('b').changes).toBe(0);
        expect(ignore.run('d').changes).toBe(1);
      })();
      expect(db.prepare('SELECT k FROM t ORDER BY k').all()).toEqual([{ k: 'b' }, { k: 'd' }]);
      // queued values travel as escaped literals: quotes, backslashes and placeholders stay data
      const nasty = `it's \\ a $1 '); DROP TABLE t; --`;
      db.transaction(() => {
        ins.run(nasty);
        ins.run('e');
      })();
      expect(db.prepare('SELECT k FROM t WHERE k = ?').get(nasty)).toEqual({ k: nasty });
    } finally {
      db.close();
    }
  });

  it('an engine pass commits all or nothing on both stores: a failed nested block fails it even when caught', () => {
    const stores = [
      new AuditSqlite(join(makeTempDir('batch'), 'audit.db')),
      new AuditSqlite(PostgresDatabase.connect(pg.connectionUrl) as unknown as Database.Database),
    ];
    for (const store of stores) {
      try {
        const before = store.auditCount();
        store.inBatch(() => {
          store.appendAudit('test', null, null, { n: 1 });
          store.inTransaction(() => store.appendAudit('test', null, null, { n: 2 }));
        });
        expect(store.auditCount()).toBe(before + 2);
        expect(() =>
          store.inBatch(() => {
            store.appendAudit('test', null, null, { n: 3 });
            try {
              store.inTransaction(() => {
                store.appendAudit('test', null, null, { n: 4 });
                throw new Error('decision failed');
              });
            } catch {
              // a caller going on after a failed block must not commit half a pass
            }
          }),
        ).toThrow(/rolled back/);
        expect(store.auditCount()).toBe(before + 2);
      } finally {
        store.close();
      }
    }
  });

  it('accepts, dedupes and acts once; the audit log is append-only; a restart keeps history and dedupe keys', async () => {
    const act = new RecordingActuator();
    const start = () =>
      startRemediator(
        { state: { url: pg.connectionUrl, pollMs: 50 }, policy },
        { actuators: { process: act } },
      );
    let r: TestRemediator = await start();
    const a = alert({ service: 'orders' });
    try {
      expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).body).toEqual({
        accepted: 1,
        duplicates: 0,
      });
      await waitUntil(() => act.runs.length === 1);
      await r.engine.idle();
      expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).body).toEqual({
        accepted: 0,
        duplicates: 1,
      });
      expect(() => psql(pg.connectionUrl, 'DELETE FROM audit')).toThrow(/append-only/);
    } finally {
      await r.close();
    }
    r = await start();
    try {
      expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).body).toEqual({
        accepted: 0,
        duplicates: 1,
      });
      const res = await fetch(`${r.url}/api/v1/actions?from=0&to=${Date.now()}`, { headers: asReader });
      const { actions } = (await res.json()) as { actions: { result: string }[] };
      expect(actions.map((x) => x.result)).toEqual(['succeeded']);
      expect(act.runs).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('the timeline reads give-backs (scale_back) from PostgreSQL as from SQLite, filtered by the incident service', async () => {
    const r = await startRemediator(
      { state: { url: pg.connectionUrl, pollMs: 50 }, policy },
      { actuators: { process: new RecordingActuator() } },
    );
    try {
      expect(
        (await r.post('/api/v1/alerts/alertmanager', webhook([alert({ service: 'payments' })]))).status,
      ).toBe(202);
      await r.engine.idle();
      const res = await fetch(`${r.url}/api/v1/incidents?from=0&to=${Date.now()}&service=payments`, {
        headers: asReader,
      });
      const [inc] = ((await res.json()) as { incidents: { id: string }[] }).incidents;
      // the record the scale-out hold's give-back writes (remediator.ts onGiveBack)
      const back: ScaleBack = {
        actuator: 'process',
        target: { actuator: 'process', kind: 'process-group', name: 'payments' },
        replica: '9001',
        incidentId: inc!.id,
        heldSeconds: 600,
        replicas: { before: 3, after: 2 },
      };
      r.store.appendAudit('scale_back', inc!.id, null, { ...back });
      const timeline = async (service: string) =>
        TimelineResponse.parse(
          await (
            await fetch(`${r.url}/api/v1/timeline?from=0&to=${Date.now() + 1000}&service=${service}`, {
              headers: asReader,
            })
          ).json(),
        ).events.filter((e) => e.kind === 'scale_back');
      const [event, ...more] = await timeline('payments');
      expect(more).toEqual([]);
      expect(event).toMatchObject({ incidentId: inc!.id, title: 'scale_back payments 3 -> 2', detail: back });
      expect(await timeline('orders')).toEqual([]);
    } finally {
      await r.close();
    }
  });
});

describe('PostgreSQL going away and coming back', () => {
  it('/readyz says 503 and webhooks get 503 (Alertmanager retries) while down; both recover; the leader stops acting', async () => {
    const pg = await startPostgres();
    const lost: string[] = [];
    const r = await startRemediator(
      { state: { url: pg.connectionUrl, pollMs: 50 }, policy },
      { actuators: { process: new RecordingActuator() }, onLeadershipLost: (why) => lost.push(why) },
    );
    try {
      await waitUntil(() => r.engine !== undefined && lost.length === 0);
      expect((await fetch(`${r.url}/readyz`)).status).toBe(200);
      await pg.stop();
      const a = alert({ service: 'payments' });
      await waitUntilAsync(async () => (await fetch(`${r.url}/readyz`)).status === 503);
      expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).status).toBe(503);
      await waitUntil(() => lost.length > 0);
      const again = await startPostgres({ dir: pg.dir, port: pg.port });
      try {
        await waitUntilAsync(async () => (await fetch(`${r.url}/readyz`)).status === 200);
        expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).body).toEqual({
          accepted: 1,
          duplicates: 0,
        });
      } finally {
        await r.close();
        await again.stop({ removeDir: true });
      }
    } finally {
      await r.close().catch(() => undefined);
      await pg.stop({ removeDir: true });
    }
  });
});

async function waitUntilAsync(ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitUntil(ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
