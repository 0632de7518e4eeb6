import { freePort, waitFor } from '@homeostat/testkit';
import { ScaleBack, TimelineResponse, type Target } from '@homeostat/contracts';
import type { ProcessActuator } from '../src/actuators/process';
import { alert, webhook } from './support/payload';
import { asReader, FIXTURE, startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(60_000);

/**
 * Through the whole remediator: a scale_out's replica is given back when the hold ends, and the
 * give-back is in the audit log and the metrics (what an operator sees), not only in the actuator.
 */
describe('scale-out hold through the remediator (process actuator)', () => {
  let r: TestRemediator;
  let appPort: number;
  beforeAll(async () => {
    appPort = await freePort();
    r = await startRemediator({
      process: {
        groups: [
          {
            name: 'orders',
            command: [process.execPath, FIXTURE, '{port}'],
            ports: [appPort],
            replicaPorts: { from: appPort + 1, to: appPort + 3 },
          },
        ],
        scaleOutHoldSeconds: 1,
      },
      policy: {
        defaults: {
          cooldownSeconds: 0,
          verify: {
            timeoutSeconds: 5,
            stableSeconds: 0,
            intervalSeconds: 0.1,
            requireResolved: false,
            scoreQuery: '',
          },
        },
        rules: [
          {
            name: 'load',
            match: { alertname: 'HomeostatAnomaly' },
            target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
            allow: ['orders'],
            replicas: { min: 1, max: 2 },
            ladder: [{ action: 'scale_out' }],
          },
        ],
      },
    });
  });
  afterAll(() => r?.close());
  const orders: Target = { actuator: 'process', kind: 'process-group', name: 'orders' };
  const scaleBacks = () =>
    (r.store.db.prepare("SELECT COUNT(*) AS n FROM audit WHERE kind = 'scale_back'").get() as { n: number })
      .n;

  it('scales out, keeps the replica while the kill switch is engaged, then gives it back: audit kind scale_back with the incident, counter, replica stopped', async () => {
    const a = alert({ service: 'orders' });
    expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).status).toBe(202);
    const actions = async () =>
      (await (
        await fetch(`${r.url}/api/v1/actions?from=0&to=${Date.now() + 60_000}`, { headers: asReader })
      ).json()) as { actions: { action: string; result: string; incidentId: string }[] };
    await waitFor('the scale_out to succeed', async () =>
      (await actions()).actions.some((x) => x.action === 'scale_out' && x.result === 'succeeded'),
    );
    const scaled = (await actions()).actions.find((x) => x.action === 'scale_out')!;
    // the kill switch means hands off: past the 1 s hold, nothing is given back while it is engaged
    r.engine.setKillSwitch(true, 'test');
    await new Promise((res) => setTimeout(res, 1500));
    const process = r.actuators.process as ProcessActuator;
    expect(await process.sweepHolds()).toEqual([]);
    expect(scaleBacks()).toBe(0);
    expect((await process.snapshot(orders)).replicas).toBe(2);
    r.engine.setKillSwitch(false, 'test');
    // the sweep runs every 5 s
    await waitFor(
      'the give-back in the audit log',
      () =>
        (
          r.store.db.prepare("SELECT COUNT(*) AS n FROM audit WHERE kind = 'scale_back'").get() as {
            n: number;
          }
        ).n > 0,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const row = r.store.db.prepare("SELECT incident_id, data FROM audit WHERE kind = 'scale_back'").get() as {
      incident_id: string;
      data: string;
    };
    expect(row.incident_id).toBe(scaled.incidentId);
    const data = JSON.parse(row.data) as { actuator: string; target: { name: string }; replica: string };
    expect(data).toMatchObject({ actuator: 'process', target: { name: 'orders' } });
    await expect(fetch(`http://127.0.0.1:${data.replica}/healthz`)).rejects.toThrow();
    const metrics = await (await fetch(`${r.url}/metrics`)).text();
    expect(metrics).toMatch(/homeostat_remediator_replicas_given_back_total\{actuator="process"\} 1/);
    expect(
      (await r.actuators.process!.snapshot({ actuator: 'process', kind: 'process-group', name: 'orders' }))
        .replicas,
    ).toBe(1);
  });

  // after the give-back above: what an SRE sees on the panel is read from this route
  it('shows the give-back on GET /api/v1/timeline as its own scale_back event, to a reader only', async () => {
    const timeline = (q: string, headers: Record<string, string> = asReader) =>
      fetch(`${r.url}/api/v1/timeline?from=0&to=${Date.now() + 60_000}${q}`, { headers });
    const res = await timeline('');
    expect(res.status).toBe(200);
    const { events } = TimelineResponse.parse(await res.json());
    const action = events.find((e) => e.kind === 'action' && e.title.startsWith('scale_out'))!;
    const backs = events.filter((e) => e.kind === 'scale_back');
    expect(backs).toHaveLength(1);
    const back = backs[0]!;
    expect(back).toMatchObject({
      incidentId: action.incidentId,
      status: 'succeeded',
      endTime: null,
      labels: { service: 'orders' },
      title: 'scale_back orders 2 -> 1',
    });
    const detail = ScaleBack.parse(back.detail);
    expect(detail).toMatchObject({
      actuator: 'process',
      target: orders,
      incidentId: action.incidentId,
      replicas: { before: 2, after: 1 },
    });
    expect(back.time).toBeGreaterThanOrEqual(action.endTime!);
    // the service filter is the incident's, as for its actions
    const other = TimelineResponse.parse(await (await timeline('&service=payments')).json());
    expect(other.events).toEqual([]);
    const mine = TimelineResponse.parse(await (await timeline('&service=orders')).json());
    expect(mine.events.filter((e) => e.kind === 'scale_back')).toHaveLength(1);
    // a range that ends before the give-back does not show it
    const early = await fetch(`${r.url}/api/v1/timeline?from=0&to=${back.time - 1}`, { headers: asReader });
    expect(TimelineResponse.parse(await early.json()).events.some((e) => e.kind === 'scale_back')).toBe(
      false,
    );
    // auth unchanged: no credential is refused
    expect((await timeline('', {})).status).toBe(401);
  });
});
