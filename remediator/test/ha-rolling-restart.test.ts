import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  makeTempDir,
  startPostgres,
  waitFor,
  type Daemon,
  type PostgresDaemon,
} from '@homeostat/testkit';
import { psql, QUICK_VERIFY, readCalls, startReplica } from './support/ha-replicas';
import { alert, webhook } from './support/payload';
import { TOKEN } from './support/remediator';

jest.setTimeout(180_000);

/**
 * A rolling restart under a steady alert stream: two replicas on one PostgreSQL, each restarted in
 * turn (SIGTERM, then a new process) while alerts keep coming to whichever replica is up, as a
 * Service would route them. Every alert is for its own service, so every one must be acted on
 * exactly once: none closed unacted by a replica going away or by a follower.
 */
describe('HA: rolling restart of two remediators on one PostgreSQL under a steady alert stream', () => {
  let pg: PostgresDaemon;
  const live: Daemon[] = [];
  afterAll(async () => {
    for (const d of live) await d.stop({ signal: 'SIGKILL' }).catch(() => undefined);
    await pg?.stop({ removeDir: true });
  });

  it('loses no alert: each is acted on exactly once', async () => {
    pg = await startPostgres();
    const dir = makeTempDir('rolling');
    const calls = join(dir, 'calls.jsonl');
    writeFileSync(calls, '');
    const services = Array.from({ length: 400 }, (_, i) => `svc-${i}`);
    const policy = {
      defaults: {
        budget: { maxActions: 1000, windowSeconds: 3600 },
        blastRadius: { maxTargets: 1000, maxPercent: 100 },
        verify: QUICK_VERIFY,
      },
      rules: [
        {
          name: 'each',
          match: { alertname: 'HomeostatAnomaly' },
          target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
          allow: services,
          ladder: [{ action: 'restart' }],
        },
      ],
    };
    const start = async (name: string, port: number): Promise<Daemon> => {
      const d = await startReplica({ name, dir, stateUrl: pg.connectionUrl, calls, policy, port });
      live.push(d);
      return d;
    };
    const ports = [await freePort(), await freePort()];
    const replicas: (Daemon | null)[] = [await start('a1', ports[0]!), await start('b1', ports[1]!)];

    // the stream: one alert every 40 ms to a replica that is up, retried on the other when refused
    let sent = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming && sent < services.length) {
        const body = JSON.stringify(webhook([alert({ service: services[sent]! })]));
        for (let attempt = 0; ; attempt++) {
          const r = replicas[(sent + attempt) % 2];
          if (r) {
            const res = await fetch(`${r.url}/api/v1/alerts/alertmanager`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
              body,
            }).catch(() => null);
            if (res?.status === 202) break;
          }
          await new Promise((ok) => setTimeout(ok, 50));
        }
        sent++;
        await new Promise((ok) => setTimeout(ok, 40));
      }
    })();
    // roll: each replica in turn is stopped as Kubernetes stops a pod, and replaced
    for (const [i, name] of [
      [0, 'a2'],
      [1, 'b2'],
    ] as const) {
      await new Promise((ok) => setTimeout(ok, 2000));
      const old = replicas[i]!;
      replicas[i] = null;
      // As Kubernetes stops a pod: SIGTERM, and SIGKILL only after the grace period (30 s by
      // default). Daemon.stop()'s 5 s was too short on a loaded machine: the SIGKILL interrupted an
      // action (closed as interrupted, never repeated), and the test counts only succeeded ones.
      const exited = new Promise<void>((ok) => old.child.once('exit', () => ok()));
      old.child.kill('SIGTERM');
      const grace = setTimeout(() => old.child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(grace);
      replicas[i] = await start(name, ports[i]!);
    }
    await new Promise((ok) => setTimeout(ok, 1000));
    streaming = false;
    await stream;
    expect(sent).toBeGreaterThan(50);

    const q = (sql: string) => Number(psql(pg.connectionUrl, sql));
    await waitFor(
      'every alert acted on',
      async () =>
        q("SELECT COUNT(DISTINCT incident_id) FROM actions WHERE result = 'succeeded'") === sent &&
        q('SELECT COUNT(*) FROM jobs WHERE done = 0') === 0,
      { timeoutMs: 60_000 },
    );
    const done = readCalls(calls);
    const perTarget = new Map<string, number>();
    for (const c of done) perTarget.set(c.target, (perTarget.get(c.target) ?? 0) + 1);
    expect(perTarget.size).toBe(sent);
    expect([...perTarget.values()].filter((n) => n !== 1)).toEqual([]);
    expect(q("SELECT COUNT(*) FROM actions WHERE result NOT IN ('succeeded')")).toBe(0);
  });
});
