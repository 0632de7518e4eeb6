import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  makeTempDir,
  startAlertmanager,
  startPostgres,
  waitFor,
  type Daemon,
  type PostgresDaemon,
} from '@homeostat/testkit';
import { psql, QUICK_VERIFY, readCalls, startReplica } from './support/ha-replicas';
import { TOKEN } from './support/remediator';

jest.setTimeout(180_000);

const SERVICES = 50;
const ALERTS = 1000;
const BUDGET = 30;

/**
 * Two remediators on one PostgreSQL behind a real Alertmanager HA pair gossiping on loopback. A
 * storm of alerts over many services; the replica that is acting is killed with SIGKILL in the
 * middle. The platform (an actuator writing every call it carries out to a shared file) must see
 * exactly one action per planned step, the audit must hold every call, and the rule's budget must
 * not be overrun.
 */
describe('HA: two remediators on one PostgreSQL behind an Alertmanager pair, one killed mid-storm', () => {
  let pg: PostgresDaemon;
  const daemons: Daemon[] = [];
  afterAll(async () => {
    for (const d of daemons.reverse()) await d.stop({ signal: 'SIGKILL' }).catch(() => undefined);
    await pg?.stop({ removeDir: true });
  });

  it('exactly one action per planned step, 0 lost audit records, 0 budget overruns', async () => {
    if (!existsSync(join(__dirname, '..', 'dist', 'remediator.js')))
      throw new Error('run npm run build first');
    pg = await startPostgres();
    const dir = makeTempDir('ha');
    const calls = join(dir, 'calls.jsonl');
    writeFileSync(calls, '');
    const policy = {
      defaults: {
        cooldownSeconds: 3600,
        budget: { maxActions: BUDGET, windowSeconds: 3600 },
        blastRadius: { maxTargets: SERVICES, maxPercent: 100 },
        verify: QUICK_VERIFY,
      },
      rules: [
        {
          name: 'storm',
          match: { alertname: 'HomeostatAnomaly' },
          target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
          allow: Array.from({ length: SERVICES }, (_, i) => `svc-${i}`),
          ladder: [{ action: 'restart' }],
        },
      ],
    };
    const replica = async (name: string): Promise<Daemon> => {
      const d = await startReplica({ name, dir, stateUrl: pg.connectionUrl, calls, policy });
      daemons.push(d);
      return d;
    };
    const [a, b] = [await replica('remediator-a'), await replica('remediator-b')];
    const [c1, c2] = [await freePort(), await freePort()];
    const amConfig = (rem: Daemon) => ({
      route: {
        receiver: 'remediator',
        group_by: ['alertname', 'service'],
        group_wait: '1s',
        group_interval: '2s',
        repeat_interval: '1h',
      },
      receivers: [
        {
          name: 'remediator',
          webhook_configs: [
            {
              url: `${rem.url}/api/v1/alerts/alertmanager`,
              send_resolved: false,
              http_config: { authorization: { type: 'Bearer', credentials: TOKEN } },
            },
          ],
        },
      ],
    });
    const am1 = await startAlertmanager({
      config: amConfig(a),
      cluster: { listenPort: c1, peers: [`127.0.0.1:${c2}`] },
    });
    daemons.push(am1);
    const am2 = await startAlertmanager({
      config: amConfig(b),
      cluster: { listenPort: c2, peers: [`127.0.0.1:${c1}`] },
    });
    daemons.push(am2);
    await waitFor('the Alertmanager pair to gossip', async () => {
      const s = (await (await fetch(`${am1.url}/api/v2/status`)).json()) as { cluster: { peers: unknown[] } };
      return s.cluster.peers.length === 2;
    });

    // the storm: Prometheus sends every alert to both Alertmanagers
    const startsAt = new Date().toISOString();
    const alerts = Array.from({ length: ALERTS }, (_, i) => ({
      labels: {
        alertname: 'HomeostatAnomaly',
        service: `svc-${i % SERVICES}`,
        instance: `i-${i}`,
        top_feature: 'cpu',
      },
      annotations: { summary: 'storm' },
      startsAt,
    }));
    const read = () => readCalls(calls);
    let killed: number | null = null;
    for (let i = 0; i < ALERTS; i += 100) {
      for (const am of [am1, am2]) {
        const res = await fetch(`${am.url}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(alerts.slice(i, i + 100)),
        });
        expect(res.status).toBe(200);
      }
      if (killed === null && read().length >= 1) {
        killed = read()[0]!.pid;
        process.kill(killed, 'SIGKILL');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    if (killed === null) {
      await waitFor('the first actions', async () => read().length >= 1, { timeoutMs: 60_000 });
      killed = read()[0]!.pid;
      process.kill(killed, 'SIGKILL');
    }
    const survivor = [a, b].find((d) => d.child.pid !== killed)!;

    // settled: every alert has its incident, no job pending, no action in flight, budget spent
    const q = (sql: string) => Number(psql(pg.connectionUrl, sql));
    await waitFor(
      `the survivor (${survivor.logFile}) to finish the storm`,
      async () =>
        q('SELECT COUNT(*) FROM incidents') === ALERTS &&
        q('SELECT COUNT(*) FROM jobs WHERE done = 0') === 0 &&
        q("SELECT COUNT(*) FROM actions WHERE phase = 'started'") === 0 &&
        q("SELECT COUNT(*) FROM actions WHERE result NOT IN ('skipped', 'pending_approval', 'dry_run')") ===
          BUDGET,
      { timeoutMs: 120_000 },
    );

    const done = read();
    const rows = psql(
      pg.connectionUrl,
      "SELECT incident_id || ' ' || target_key || ' ' || result FROM actions WHERE result NOT IN ('skipped', 'pending_approval', 'dry_run')",
    )
      .split('\n')
      .map((l) => l.split(' '));
    // exactly one action per planned step: one restart per target, never two
    const perTarget = new Map<string, number>();
    for (const c of done) perTarget.set(c.target, (perTarget.get(c.target) ?? 0) + 1);
    expect([...perTarget.values()].filter((n) => n > 1)).toEqual([]);
    expect(new Set(rows.map((r) => r[1])).size).toBe(rows.length);
    // 0 budget overruns: the rule spent exactly its budget across both replicas
    expect(rows).toHaveLength(BUDGET);
    // 0 lost audit records: every call that reached the platform has its action row
    const recorded = new Set(rows.map((r) => r[0]));
    expect(done.filter((c) => !recorded.has(c.incidentId))).toEqual([]);
    expect(done.length).toBeLessThanOrEqual(BUDGET);
    // and every alert of the storm was received and recorded
    expect(q("SELECT COUNT(*) FROM audit WHERE kind = 'alert'")).toBe(ALERTS);
    // and none was closed unseen: each incident has a decision (an action, a skip, or one the intake
    // declined on the incident row) or waits for one
    expect(
      q(
        'SELECT COUNT(*) FROM incidents i WHERE wait_on IS NULL AND decision IS NULL AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.incident_id = i.id)',
      ),
    ).toBe(0);
    // both replicas acted over the run: the killed one first, the survivor after taking over
    expect(new Set(done.map((c) => c.pid)).size).toBe(2);
  });
});
