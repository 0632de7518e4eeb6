import Database from 'better-sqlite3';
import { makeTempDir, startPostgres, type PostgresDaemon } from '@homeostat/testkit';
import { join } from 'node:path';
import { postgresSchema } from '../src/store/schema-pg.sql';
import { SCHEMA } from '../src/store/schema.sql';
import { psql } from './support/ha-replicas';
import { alert, webhook } from './support/payload';
import { asReader, INERT_POLICY, startRemediator, type TestRemediator } from './support/remediator';

/** The schema of the release before incidents.decision (declined-alert.ts), in each store's dialect. */
const withoutDecision = (schema: string) =>
  schema
    .replace(',\n  decision TEXT', '')
    // PostgreSQL adds the column and the index in catalog-checked DO blocks (schema-pg.sql.ts)
    .replace(/^.*column_name = 'decision'.*$/m, '')
    .replace(/^.*CREATE INDEX IF NOT EXISTS incidents_declined .*$/m, '');

const REASON = 'no_rule: no policy rule matches the alert labels';
/** A declined alert as that release recorded it: its incident and a skipped `actions` row. */
const OLD_ROWS = `
INSERT INTO incidents (id, fingerprint, alertname, service, labels, annotations, source, status, starts_at, received_at)
  VALUES ('old-incident', 'fp-old', 'DiskFull', 'orders', '{"alertname":"DiskFull","service":"orders"}', '{}', 'alertmanager', 'escalated', 1000, 1000);
INSERT INTO actions (id, incident_id, action, step, rule, reason, service, result, verification, started_at, phase)
  VALUES ('old-action', 'old-incident', 'notify', 0, NULL, '${REASON}', 'orders', 'skipped', 'not_applicable', 1000, 'done');`;

/**
 * A database written by the release before the declined decision moved to the incident row
 * (declined-alert.ts): there every declined alert has an `actions` row. Opened by this release, the
 * old history reads as before and a new declined alert reads the same way.
 */
describe.each(['SQLite', 'PostgreSQL'])(
  'an audit database of the release before incidents.decision, on %s',
  (store) => {
    let pg: PostgresDaemon | undefined;
    let r: TestRemediator;

    beforeAll(async () => {
      const dbFile = join(makeTempDir('declined-migration'), 'audit.db');
      if (store === 'PostgreSQL') {
        pg = await startPostgres();
        psql(pg.connectionUrl, withoutDecision(postgresSchema()) + OLD_ROWS);
        expect(
          psql(
            pg.connectionUrl,
            "SELECT COUNT(*) FROM information_schema.columns WHERE column_name = 'decision'",
          ),
        ).toBe('0');
      } else {
        const old = new Database(dbFile);
        old.exec(withoutDecision(SCHEMA) + OLD_ROWS);
        expect(
          old.prepare("SELECT 1 FROM pragma_table_info('incidents') WHERE name = 'decision'").get(),
        ).toBe(undefined);
        old.close();
      }
      r = await startRemediator(
        { policy: INERT_POLICY, ...(pg ? { state: { url: pg.connectionUrl, pollMs: 50 } } : {}) },
        { dbFile },
      );
    });
    afterAll(async () => {
      await r?.close();
      pg?.stop({ removeDir: true });
    });

    it("gets the declined decisions' index", () => {
      const sql =
        store === 'PostgreSQL'
          ? "SELECT indexdef AS d FROM pg_indexes WHERE indexname = 'incidents_declined'"
          : "SELECT sql AS d FROM sqlite_master WHERE name = 'incidents_declined'";
      expect((r.store.db.prepare(sql).get() as { d: string } | undefined)?.d).toMatch(
        /\(received_at\) WHERE \(?decision IS NOT NULL\)?$/,
      );
    });

    it('keeps the old declined decisions and lists new ones the same way', async () => {
      const fresh = alert({ alertname: 'DiskFull', service: 'orders' });
      expect((await r.post('/api/v1/alerts/alertmanager', webhook([fresh]))).body).toEqual({
        accepted: 1,
        duplicates: 0,
      });
      const get = async <T>(what: string): Promise<T> =>
        (await (
          await fetch(`${r.url}/api/v1/${what}?from=0&to=${Date.now()}`, { headers: asReader })
        ).json()) as T;
      const { incidents } = await get<{
        incidents: {
          fingerprint: string;
          status: string;
          actions: { action: string; result: string; reason: string }[];
        }[];
      }>('incidents');
      const skipped = { action: 'notify', result: 'skipped', reason: REASON };
      expect(incidents.map((i) => [i.fingerprint, i.status, i.actions])).toEqual([
        ['fp-old', 'escalated', [expect.objectContaining({ id: 'old-action', ...skipped })]],
        [fresh.fingerprint, 'escalated', [expect.objectContaining(skipped)]],
      ]);
      const { actions } = await get<{ actions: { incidentId: string; result: string }[] }>('actions');
      expect(actions.map((a) => [a.incidentId, a.result])).toEqual([
        ['old-incident', 'skipped'],
        [expect.any(String), 'skipped'],
      ]);
    });
  },
);
