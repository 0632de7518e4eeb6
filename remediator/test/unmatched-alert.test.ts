import { makeTempDir, startPostgres, type PostgresDaemon } from '@homeostat/testkit';
import { join } from 'node:path';
import { alert, webhook } from './support/payload';
import { RecordingActuator } from './support/recording-actuator';
import { asOperator, asReader, startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(90_000);

const policy = {
  defaults: {
    cooldownSeconds: 0,
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
      allow: ['orders'],
      ladder: [{ action: 'restart' }],
    },
  ],
};

interface ApiIncident {
  id: string;
  fingerprint: string;
  status: string;
  actions: { id: string; action: string; result: string; reason: string; verification: string }[];
}

/** What differs between two incidents of the same alert by nature: ids and times. */
const VOLATILE =
  /^(id|incidentId|fingerprint|startsAt|receivedAt|startedAt|finishedAt|verifiedAt|resolvedAt|time|endTime)$/;
const stable = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (k, x) => (VOLATILE.test(k) ? undefined : x)));

const unmatched = () => alert({ alertname: 'DiskFull', service: 'orders', top_feature: 'disk' });

describe.each(['SQLite', 'PostgreSQL'])('an alert no policy rule matches, on %s', (store) => {
  let pg: PostgresDaemon | undefined;
  let r: TestRemediator;
  const act = new RecordingActuator();
  beforeAll(async () => {
    if (store === 'PostgreSQL') pg = await startPostgres();
    r = await startRemediator(
      {
        policy,
        ...(pg
          ? { state: { url: pg.connectionUrl, pollMs: 50 } }
          : { storage: { file: join(makeTempDir('nr'), 'a.db') } }),
      },
      { actuators: { process: act } },
    );
  });
  afterAll(async () => {
    await r?.close();
    pg?.stop({ removeDir: true });
  });

  const incidents = async (): Promise<ApiIncident[]> =>
    (
      (await (
        await fetch(`${r.url}/api/v1/incidents?from=0&to=${Date.now()}`, { headers: asReader })
      ).json()) as {
        incidents: ApiIncident[];
      }
    ).incidents;
  const auditRows = (id: string) =>
    r.store.db
      .prepare('SELECT kind, action_id, data FROM audit WHERE incident_id = ? ORDER BY seq')
      .all(id) as { kind: string; action_id: string | null; data: string }[];
  const audit = (id: string) =>
    auditRows(id).map((a) => ({
      kind: a.kind,
      hasAction: a.action_id !== null,
      data: stable(JSON.parse(a.data)),
    }));
  const count = (sql: string, ...params: string[]) =>
    Number((r.store.db.prepare(sql).get(...params) as { n: number | string }).n);
  const jobsOf = (id: string) =>
    Number(
      (r.store.db.prepare('SELECT COUNT(*) AS n FROM jobs WHERE incident_id = ?').get(id) as { n: number }).n,
    );

  it('is listed as escalated (no_rule) with its audit record and no job; a matched alert in the same notification still acts', async () => {
    const nr = unmatched();
    const hit = alert({ service: 'orders' });
    expect((await r.post('/api/v1/alerts/alertmanager', webhook([nr, hit]))).body).toEqual({
      accepted: 2,
      duplicates: 0,
    });
    await waitUntil(() => act.runs.length === 1);
    await r.engine.idle();
    const all = await incidents();
    const closed = all.find((i) => i.fingerprint === nr.fingerprint)!;
    expect(closed.status).toBe('escalated');
    expect(closed.actions).toEqual([
      expect.objectContaining({ action: 'notify', result: 'skipped', verification: 'not_applicable' }),
    ]);
    expect(closed.actions[0]!.reason).toBe('no_rule: no policy rule matches the alert labels');
    // the decision's id is its incident's: one declined decision per incident (declined-alert.ts)
    expect(closed.actions[0]!.id).toBe(`${closed.id}-declined`);
    // the audit rows the engine writes when it declines (LadderStep, IncidentEnd), no actions row
    const why = 'no_rule: no policy rule matches the alert labels';
    expect(auditRows(closed.id).map((x) => [x.kind, x.action_id])).toEqual([
      ['alert', null],
      ['decision', closed.actions[0]!.id],
      ['incident', null],
      ['escalation', null],
    ]);
    expect(
      audit(closed.id)
        .slice(1)
        .map((x) => x.data),
    ).toEqual([
      expect.objectContaining({
        action: 'notify',
        result: 'skipped',
        reason: why,
        phase: 'done',
        service: 'orders',
      }),
      { status: 'escalated', step: 0, why },
      { status: 'escalated', reason: 'no_rule', why },
    ]);
    expect(count('SELECT COUNT(*) AS n FROM actions WHERE incident_id = ?', closed.id)).toBe(0);
    // decided at intake: the engine never had a job for it
    expect(jobsOf(closed.id)).toBe(0);
    const acted = all.find((i) => i.fingerprint === hit.fingerprint)!;
    expect(acted.actions.map((a) => [a.action, a.result])).toEqual([['restart', 'succeeded']]);
    expect(act.runs).toEqual([
      expect.objectContaining({ action: 'restart', target: 'orders', incidentId: acted.id }),
    ]);
    expect(jobsOf(acted.id)).toBe(1);
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metrics).toMatch(/^homeostat_remediator_escalations_total\{reason="no_rule"\} 1$/m);
    // what an auditor counts agrees with the metric
    expect(count("SELECT COUNT(*) AS n FROM audit WHERE kind = 'escalation'")).toBe(1);
    expect(metrics).toMatch(/^homeostat_remediator_actions_total\{action="notify",result="skipped"\} 1$/m);
    // a repeat is a duplicate and changes nothing
    expect((await r.post('/api/v1/alerts/alertmanager', webhook([nr]))).body).toEqual({
      accepted: 0,
      duplicates: 1,
    });
    expect(audit(closed.id)).toHaveLength(4);
  });

  it('reads exactly as when the engine decides it: same incident, actions, timeline and audit rows', async () => {
    const viaIntake = unmatched();
    const viaEngine = unmatched();
    await r.post('/api/v1/alerts/alertmanager', webhook([viaIntake]));
    // the engine's path: persisted undecided (as an incident that existed already would be), then a pass
    const { jobs } = r.store.acceptBatch(
      [
        {
          source: 'alertmanager',
          alerts: [
            { ...viaEngine, startsAtRaw: viaEngine.startsAt, startsAt: Date.parse(viaEngine.startsAt) },
          ],
        },
      ],
      Date.now(),
    );
    expect(jobs).toHaveLength(1);
    r.engine.enqueue(jobs);
    await r.engine.idle();
    const all = await incidents();
    const a = all.find((i) => i.fingerprint === viaIntake.fingerprint)!;
    const b = all.find((i) => i.fingerprint === viaEngine.fingerprint)!;
    expect(b.status).toBe('escalated');
    expect(stable(a)).toEqual(stable(b));
    const actions = async (id: string) => {
      const res = await fetch(`${r.url}/api/v1/actions?from=0&to=${Date.now()}`, { headers: asReader });
      const { actions: all } = (await res.json()) as { actions: { incidentId: string }[] };
      return stable(all.filter((x) => x.incidentId === id));
    };
    expect(await actions(a.id)).toEqual(await actions(b.id));
    expect(await actions(a.id)).toHaveLength(1);
    // an operator approving the skipped decision is refused the same way on both paths
    const approve = async (id: string) => {
      const res = await r.post(`/api/v1/actions/${id}/approve`, {}, asOperator);
      return [res.status, (res.body as { code: string }).code];
    };
    expect(await approve(a.actions[0]!.id)).toEqual(await approve(b.actions[0]!.id));
    expect(await approve(a.actions[0]!.id)).toEqual([400, 'VALIDATION_FAILED']);
    // the same audit rows, kinds and payloads (the decision's service, targetKey, phase...), in order;
    // the decision's row names its decision as the API lists it
    const engine = audit(b.id);
    expect(engine.map((x) => x.kind)).toEqual(['alert', 'decision', 'incident', 'escalation']);
    expect(audit(a.id)).toEqual(engine);
    expect(auditRows(a.id)[1]!.action_id).toBe(a.actions[0]!.id);
    expect(auditRows(b.id)[1]!.action_id).toBe(b.actions[0]!.id);
    const tl = async (id: string) => {
      const res = await fetch(`${r.url}/api/v1/timeline?from=0&to=${Date.now()}`, { headers: asReader });
      const { events } = (await res.json()) as { events: { incidentId?: string }[] };
      return stable(events.filter((e) => e.incidentId === id));
    };
    expect(await tl(a.id)).toEqual(await tl(b.id));
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metrics).toMatch(/^homeostat_remediator_escalations_total\{reason="no_rule"\} 3$/m);
    expect(count("SELECT COUNT(*) AS n FROM audit WHERE kind = 'escalation'")).toBe(3);
  });

  it('leaves an incident that already exists to the engine, as before: a resolved one stays resolved', async () => {
    const late = unmatched();
    await r.post('/api/v1/alerts/alertmanager', webhook([{ ...late, status: 'resolved' }]));
    await r.post('/api/v1/alerts/alertmanager', webhook([late]));
    const both = unmatched();
    await r.post('/api/v1/alerts/alertmanager', webhook([both, { ...both, status: 'resolved' }]));
    await r.engine.idle();
    const all = await incidents();
    for (const x of [late, both]) {
      const inc = all.find((i) => i.fingerprint === x.fingerprint)!;
      expect([inc.status, inc.actions]).toEqual(['resolved', []]);
      expect(audit(inc.id).map((a) => a.kind)).toEqual(['alert', 'alert']);
      expect(jobsOf(inc.id)).toBe(2);
    }
  });
});

async function waitUntil(ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((res) => setTimeout(res, 50));
  }
}
