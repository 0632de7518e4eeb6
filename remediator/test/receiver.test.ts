import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir } from '@homeostat/testkit';
import { alert, webhook } from './support/payload';
import {
  asReader,
  FIXTURE,
  OPERATOR_TOKEN,
  startRemediator,
  TOKEN,
  type TestRemediator,
} from './support/remediator';

jest.setTimeout(60_000);

const quickVerify = {
  timeoutSeconds: 5,
  stableSeconds: 0,
  intervalSeconds: 0.1,
  requireResolved: false,
  scoreQuery: '',
};

describe('webhook receivers with the process actuator', () => {
  let r: TestRemediator;
  let startLog: string;
  let port: number;

  beforeAll(async () => {
    const dir = makeTempDir('receiver');
    startLog = join(dir, 'starts.log');
    writeFileSync(startLog, '');
    port = await freePort();
    r = await startRemediator({
      process: {
        groups: [
          {
            name: 'orders',
            command: ['node', FIXTURE, '{port}'],
            env: { START_LOG: startLog },
            ports: [port],
            replicaPorts: { from: port + 1, to: port + 5 },
          },
          {
            name: 'payments',
            command: ['node', FIXTURE, '{port}'],
            env: { START_LOG: startLog },
            ports: [port + 6],
            replicaPorts: { from: port + 7, to: port + 8 },
          },
        ],
      },
      policy: {
        defaults: { cooldownSeconds: 0, verify: quickVerify },
        rules: [
          {
            name: 'cpu',
            match: { alertname: 'HomeostatAnomaly', top_feature: 'cpu' },
            target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
            allow: ['orders'],
            ladder: [{ action: 'restart' }],
          },
          {
            name: 'dry',
            match: { alertname: 'DryRun' },
            dryRun: true,
            target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
            allow: ['orders'],
            ladder: [{ action: 'restart' }],
          },
          {
            name: 'cool',
            match: { alertname: 'Cool' },
            cooldownSeconds: 3600,
            budget: { maxActions: 5, windowSeconds: 3600 },
            target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
            allow: ['payments'],
            ladder: [{ action: 'restart' }],
          },
          {
            name: 'approve',
            match: { alertname: 'Approve' },
            approvalRequired: true,
            target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
            allow: ['orders'],
            ladder: [{ action: 'restart' }],
          },
          {
            name: 'outside',
            match: { alertname: 'Outside' },
            target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
            allow: ['orders'],
            ladder: [{ action: 'restart' }],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await r?.close();
  });

  const starts = () => readFileSync(startLog, 'utf8').trim().split('\n').filter(Boolean).length;

  it('refuses requests without valid credentials, naming the authorization field', async () => {
    const body = webhook([alert({})]);
    for (const headers of [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
    ]) {
      const res = await r.post('/api/v1/alerts/alertmanager', body, headers);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'UNAUTHORIZED', field: 'authorization' });
    }
  });

  it.each([
    [
      'alerts.0.startsAt',
      (b: ReturnType<typeof webhook>) => ({ ...b, alerts: [{ ...b.alerts[0], startsAt: 'yesterday' }] }),
    ],
    [
      'alerts.0.status',
      (b: ReturnType<typeof webhook>) => ({ ...b, alerts: [{ ...b.alerts[0], status: 'pending' }] }),
    ],
    ['version', (b: ReturnType<typeof webhook>) => ({ ...b, version: '3' })],
    ['alerts', (b: ReturnType<typeof webhook>) => ({ ...b, alerts: [] })],
    [
      'alerts.0.labels.service',
      (b: ReturnType<typeof webhook>) => ({ ...b, alerts: [{ ...b.alerts[0], labels: { service: 5 } }] }),
    ],
  ])('answers 400 naming %s for an invalid payload', async (field, mutate) => {
    const res = await r.post('/api/v1/alerts/alertmanager', mutate(webhook([alert({})])));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', field });
  });

  it('acts exactly once when the same notification is delivered 5 times', async () => {
    const before = starts();
    const body = webhook([alert({})]);
    const codes = await Promise.all([1, 2, 3, 4, 5].map(() => r.post('/api/v1/alerts/alertmanager', body)));
    expect(codes.map((c) => c.status)).toEqual([202, 202, 202, 202, 202]);
    expect(codes.map((c) => (c.body as { accepted: number }).accepted).reduce((a, b) => a + b)).toBe(1);
    await r.engine.idle();
    expect(starts() - before).toBe(1);
    const inc = r.store.incidents(0, Date.now()).find((i) => i.fingerprint === body.alerts[0]!.fingerprint)!;
    expect(inc.actions).toHaveLength(1);
    expect(inc.actions[0]).toMatchObject({ action: 'restart', result: 'succeeded', verification: 'passed' });
    expect(inc.status).toBe('healed');
    expect(inc.mttrSeconds).not.toBeNull();
  });

  it('never acts on a resolved alert and closes the incident', async () => {
    const before = starts();
    const a = alert({}, { status: 'resolved', endsAt: new Date().toISOString() });
    const res = await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    expect(res.status).toBe(202);
    await r.engine.idle();
    expect(starts()).toBe(before);
    const inc = r.store.incidents(0, Date.now()).find((i) => i.fingerprint === a.fingerprint)!;
    expect(inc.status).toBe('resolved');
    expect(inc.actions).toHaveLength(0);
  });

  it('accepts Grafana-managed alerts with the same policy', async () => {
    const before = starts();
    const a = alert({});
    const body = {
      ...webhook([{ ...a, values: { B: 1.7 }, dashboardURL: 'http://grafana/d/x' }]),
      version: '1',
      orgId: 1,
      title: '[FIRING:1]',
      state: 'alerting',
      message: 'cpu',
    };
    expect((await r.post('/api/v1/alerts/grafana', body)).status).toBe(202);
    await r.engine.idle();
    expect(starts() - before).toBe(1);
    expect(r.store.incidents(0, Date.now()).find((i) => i.fingerprint === a.fingerprint)?.source).toBe(
      'grafana',
    );
    const missing = { ...body } as Record<string, unknown>;
    delete missing.orgId;
    expect((await r.post('/api/v1/alerts/grafana', missing)).body).toMatchObject({ field: 'orgId' });
  });

  it('records the exact call in dry-run without making it', async () => {
    const before = starts();
    const a = alert({ alertname: 'DryRun' });
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await r.engine.idle();
    expect(starts()).toBe(before);
    const act = r.store.incidents(0, Date.now()).find((i) => i.fingerprint === a.fingerprint)!.actions[0];
    expect(act).toMatchObject({
      result: 'dry_run',
      apiCall: { method: 'SIGNAL', path: `process://orders/${port}` },
    });
  });

  it('respects the cooldown across incidents, waits for approval, and never leaves the allow-list', async () => {
    const before = starts();
    const [c1, c2, ap, out] = [
      // payments: no other test acts on it (the cooldown is the target's, whichever rule acted)
      alert({ alertname: 'Cool', service: 'payments' }),
      alert({ alertname: 'Cool', service: 'payments' }),
      alert({ alertname: 'Approve' }),
      alert({ alertname: 'Outside', service: 'billing' }),
    ];
    await r.post('/api/v1/alerts/alertmanager', webhook([c1]));
    await r.engine.idle();
    await r.post('/api/v1/alerts/alertmanager', webhook([c2, ap, out]));
    await r.engine.idle();
    expect(starts() - before).toBe(1);
    const first = (fp: string) =>
      r.store.incidents(0, Date.now()).find((i) => i.fingerprint === fp)!.actions[0]!;
    expect(first(c1.fingerprint)).toMatchObject({ result: 'succeeded' });
    expect(first(c2.fingerprint)).toMatchObject({
      result: 'skipped',
      reason: expect.stringMatching(/^cooldown: cooldown 3600s/),
    });
    expect(first(ap.fingerprint)).toMatchObject({ result: 'pending_approval', target: { name: 'orders' } });
    expect(first(out.fingerprint)).toMatchObject({
      result: 'skipped',
      reason: expect.stringMatching(/^not_allowed/),
    });
    // a human approves the pending action: it runs once
    const approve = (id: string, auth = `Bearer ${OPERATOR_TOKEN}`) =>
      fetch(`${r.url}/api/v1/actions/${id}/approve`, { method: 'POST', headers: { authorization: auth } });
    expect((await approve(first(ap.fingerprint).id, 'Bearer x')).status).toBe(401);
    // Alertmanager's token posts alerts, it does not approve
    expect((await approve(first(ap.fingerprint).id, `Bearer ${TOKEN}`)).status).toBe(403);
    expect((await approve('nope')).status).toBe(404);
    expect((await approve(first(ap.fingerprint).id)).status).toBe(200);
    await r.engine.idle();
    expect(starts() - before).toBe(2);
    const acts = r.store.incidents(0, Date.now()).find((i) => i.fingerprint === ap.fingerprint)!.actions;
    expect(acts.map((a) => a.result)).toEqual(['skipped', 'succeeded']);
    expect(await (await approve(acts[0]!.id)).json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'id',
    });
  });

  it('the kill switch via the API stops every action until released', async () => {
    const put = (engaged: boolean, auth = `Bearer ${OPERATOR_TOKEN}`) =>
      fetch(`${r.url}/api/v1/kill-switch`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ engaged }),
      });
    expect((await put(true, 'Bearer nope')).status).toBe(401);
    expect((await put(true, `Bearer ${TOKEN}`)).status).toBe(403);
    expect(await (await put(true)).json()).toMatchObject({ engaged: true, api: true });
    const before = starts();
    const a = alert({});
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await r.engine.idle();
    expect(starts()).toBe(before);
    const act = r.store.incidents(0, Date.now()).find((i) => i.fingerprint === a.fingerprint)!.actions[0];
    expect(act).toMatchObject({ result: 'skipped' });
    expect(act?.reason).toMatch(/^kill_switch/);
    expect(await (await put(false)).json()).toMatchObject({ engaged: false });
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metrics).toMatch(/^homeostat_remediator_kill_switch 0$/m);
    expect(metrics).toMatch(/homeostat_remediator_actions_total\{action="restart",result="succeeded"\} \d/);
  });

  it('serves incidents, actions, timeline and an OpenAPI document listing every error code', async () => {
    const q = `from=0&to=${Date.now()}&service=orders`;
    const inc = (await (await fetch(`${r.url}/api/v1/incidents?${q}`, { headers: asReader })).json()) as {
      incidents: unknown[];
    };
    expect(inc.incidents.length).toBeGreaterThan(0);
    const tl = (await (await fetch(`${r.url}/api/v1/timeline?${q}`, { headers: asReader })).json()) as {
      events: { kind: string }[];
    };
    expect(tl.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['anomaly', 'action', 'verification']),
    );
    const bad = await fetch(`${r.url}/api/v1/actions?from=x&to=1`, { headers: asReader });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'from' });
    const doc = (await (await fetch(`${r.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: { ApiError: { properties: { code: { enum: string[] } } } } };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/alerts/alertmanager', '/api/v1/kill-switch', '/api/v1/timeline']),
    );
    const { ErrorCodes } = await import('../src/errors');
    expect(doc.components.schemas.ApiError.properties.code.enum.sort()).toEqual(
      Object.keys(ErrorCodes).sort(),
    );
    expect((await fetch(`${r.url}/readyz`)).status).toBe(200);
  });
});
