import { startPostgres, type PostgresDaemon } from '@homeostat/testkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declinedAudit } from '../src/store/declined-alert';
import {
  actionParams,
  dedupeKeyOf,
  incidentIdOf,
  type IncomingAlert,
  type IntakeDecision,
} from '../src/store/records';
import { psql } from './support/ha-replicas';
import { alert, webhook } from './support/payload';
import { asReader, INERT_POLICY, startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(90_000);

/** The previous release's intake function, `homeostat_intake` (an actions row per declined alert). */
const V1 = readFileSync(join(__dirname, 'fixtures', 'intake-function-v1.sql'), 'utf8');

const REASON = 'no_rule: no policy rule matches the alert labels';
/** What the previous release decided for an alert no rule matches (its receivers/unmatched-alert.ts). */
const DECLINED: IntakeDecision = {
  action: {
    action: 'notify',
    step: 0,
    rule: null,
    reason: REASON,
    target: null,
    targetKey: null,
    apiCall: null,
    before: null,
    result: 'skipped',
    verification: 'not_applicable',
    phase: 'done',
    error: null,
    service: 'orders',
  },
  status: 'escalated',
  reason: 'no_rule',
  why: REASON,
};

/** One record of the previous release's call to its function (its intake-postgres.ts rowOf). */
function v1Record(a: IncomingAlert, now: number) {
  const id = incidentIdOf(a.fingerprint, a.startsAtRaw);
  const aid = `00000000-0000-4000-8000-${now.toString(16).padStart(12, '0').slice(-12)}`;
  return {
    ord: 0,
    key: dedupeKeyOf(a),
    id,
    fingerprint: a.fingerprint,
    alertname: a.labels.alertname,
    service: a.labels.service,
    labels: JSON.stringify(a.labels),
    annotations: JSON.stringify(a.annotations),
    source: 'alertmanager',
    status: a.status,
    starts_at: a.startsAt,
    logged: JSON.stringify({
      source: 'alertmanager',
      status: a.status,
      fingerprint: a.fingerprint,
      labels: a.labels,
    }),
    aid,
    closed_status: 'escalated',
    action: actionParams(aid, { incidentId: id, ...DECLINED.action }, now),
    ...declinedAudit(id, DECLINED),
  };
}

/**
 * A rolling update on PostgreSQL where a replica of the release before restarts late, after this
 * release's replicas started: it reinstalls its own function under its own name, and each release
 * keeps calling the body it installed (intake-pg-function.sql.ts INTAKE_FUNCTION_NAME).
 */
describe('the intake function of each release, on PostgreSQL', () => {
  let pg: PostgresDaemon;
  let r: TestRemediator;
  const q = (sql: string) => psql(pg.connectionUrl, sql);
  beforeAll(async () => {
    pg = await startPostgres();
    r = await startRemediator({ policy: INERT_POLICY, state: { url: pg.connectionUrl, pollMs: 50 } });
    q(V1); // the old replica's late start
  });
  afterAll(async () => {
    await r?.close();
    pg?.stop({ removeDir: true });
  });

  const rowsOf = (fingerprint: string) =>
    q(
      `SELECT i.status, i.decision IS NOT NULL,
        (SELECT COUNT(*) FROM actions x WHERE x.incident_id = i.id),
        (SELECT string_agg(kind, ',' ORDER BY seq) FROM audit u WHERE u.incident_id = i.id)
      FROM incidents i WHERE i.fingerprint = '${fingerprint}'`,
    );

  it("keeps this release on its own function: its declined alert is the lean record, the old replica's an actions row, and both read alike", async () => {
    expect(
      q(
        "SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE proname LIKE 'homeostat_intake%'",
      ),
    ).toBe('homeostat_intake,homeostat_intake_v2');
    const mine = alert({ alertname: 'DiskFull' });
    expect((await r.post('/api/v1/alerts/alertmanager', webhook([mine]))).body).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    const theirs = alert({ alertname: 'DiskFull' });
    const now = Date.now();
    const incoming: IncomingAlert = {
      fingerprint: theirs.fingerprint,
      status: 'firing',
      startsAt: Date.parse(theirs.startsAt),
      startsAtRaw: theirs.startsAt,
      labels: theirs.labels,
      annotations: theirs.annotations,
    };
    expect(
      q(
        `SELECT r_kind FROM homeostat_intake($j$${JSON.stringify([v1Record(incoming, now)])}$j$::json, ${now})`,
      ),
    ).toBe('fresh\nmade');
    await r.engine.idle();
    const kinds = 'alert,decision,incident,escalation';
    expect(rowsOf(mine.fingerprint)).toBe(`escalated|t|0|${kinds}`);
    expect(rowsOf(theirs.fingerprint)).toBe(`escalated|f|1|${kinds}`);
    const res = await fetch(`${r.url}/api/v1/incidents?from=0&to=${Date.now()}`, { headers: asReader });
    const { incidents } = (await res.json()) as {
      incidents: {
        fingerprint: string;
        status: string;
        actions: { action: string; result: string; reason: string }[];
      }[];
    };
    const listed = (fp: string) =>
      incidents
        .filter((i) => i.fingerprint === fp)
        .map((i) => [i.status, i.actions.map((a) => [a.action, a.result, a.reason])]);
    expect(listed(mine.fingerprint)).toEqual([['escalated', [['notify', 'skipped', REASON]]]]);
    expect(listed(theirs.fingerprint)).toEqual(listed(mine.fingerprint));
  });
});
