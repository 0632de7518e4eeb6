import { join } from 'node:path';
import { makeTempDir, waitFor } from '@homeostat/testkit';
import { AuditSqlite } from '../src/sinks/audit-sqlite';
import { FakeKube } from './support/fake-kube';
import { alert, webhook } from './support/payload';
import { startRemediator, TOKEN, type TestRemediator } from './support/remediator';

jest.setTimeout(90_000);

const ALERTS = 8;

const ready = async (r: TestRemediator) => (await fetch(`${r.url}/readyz`)).status === 200;

/**
 * A Service in front of the replicas: a notification goes to a ready replica; when none is ready,
 * or the chosen one answers 503, Alertmanager retries it. Returns the replica that accepted it.
 */
async function deliver(replicas: TestRemediator[], body: unknown): Promise<TestRemediator> {
  let accepted: TestRemediator | null = null;
  await waitFor(
    'a ready replica to accept the notification',
    async () => {
      for (const r of replicas) {
        if (!(await ready(r))) continue;
        const res = await r.post('/api/v1/alerts/alertmanager', body, { authorization: `Bearer ${TOKEN}` });
        if (res.status === 202) accepted = r;
        return res.status === 202;
      }
      return false;
    },
    { timeoutMs: 30_000 },
  );
  return accepted!;
}

/**
 * SQLite state and a Kubernetes Lease, as during a rolling update: the old pod leads, the new one
 * starts beside it, then the old one is stopped (it gives the Lease up) and the new one takes over.
 * Readiness follows leadership, so the Service never routes a webhook to the follower, and a
 * follower refuses one that reaches it (503, retried): every notification of a steady stream is
 * accepted by a leader and acted on there, none is recorded as `skipped: follower`.
 */
describe('rolling update with SQLite state and a Lease: readiness follows leadership', () => {
  let kube: FakeKube;
  const open: TestRemediator[] = [];
  beforeAll(async () => {
    kube = new FakeKube();
    await kube.start();
  });
  afterAll(async () => {
    for (const r of open) await r.close().catch(() => undefined);
    await kube.stop();
  });

  const replica = async (identity: string, dbFile = join(makeTempDir(`lease-${identity}`), 'audit.db')) => {
    const r = await startRemediator(
      {
        kubernetes: {
          kubeconfig: kube.kubeconfig,
          leaderElection: { enabled: true, leaseDurationSeconds: 3, renewSeconds: 0.2, identity },
        },
        policy: {
          defaults: {
            cooldownSeconds: 0,
            verify: {
              timeoutSeconds: 1,
              stableSeconds: 0,
              intervalSeconds: 0.1,
              requireResolved: false,
              scoreQuery: '',
            },
          },
          rules: [
            {
              name: 'cpu',
              match: { alertname: 'HomeostatAnomaly' },
              replicas: { min: 1, max: 3 + ALERTS },
              target: { actuator: 'kubernetes', kind: 'deployment', name: '{{service}}', namespace: 'shop' },
              allow: ['orders'],
              ladder: [{ action: 'scale_out' }],
            },
          ],
        },
      },
      { dbFile },
    );
    open.push(r);
    return r;
  };

  it('every notification of a steady stream is accepted by the leader and acted on once', async () => {
    const old = await replica('old-pod');
    await waitFor('the old pod to lead and be ready', () => ready(old), { timeoutMs: 15_000 });
    const next = await replica('new-pod');
    expect(await ready(next)).toBe(false);
    const direct = await next.post('/api/v1/alerts/alertmanager', webhook([alert({})]));
    expect(direct).toMatchObject({ status: 503, body: { code: 'NOT_LEADER' } });

    const sent = Array.from({ length: ALERTS }, () => alert({}));
    const takers: TestRemediator[] = [];
    for (const [i, a] of sent.entries()) {
      if (i === ALERTS / 2) {
        // The rolling update stops the old pod once it has acted on what it accepted. (What a pod
        // accepted but had not acted on when stopped stays in its own database: see README.)
        await old.engine.idle();
        await old.close();
        open.splice(open.indexOf(old), 1);
      }
      // the Service spreads requests over its endpoints: start with a different replica each time
      const endpoints = [old, next].filter((r) => open.includes(r));
      if (i % 2) endpoints.reverse();
      takers.push(await deliver(endpoints, webhook([a])));
    }
    expect(takers.filter((t) => t === old)).toHaveLength(ALERTS / 2);
    expect(takers.filter((t) => t === next)).toHaveLength(ALERTS / 2);
    await next.engine.idle();
    const actions = next.store.actions(0, Date.now() + 1000);
    expect(actions.map((x) => x.reason).filter((r) => /^follower/.test(r))).toEqual([]);
    const taken = actions.filter((x) => x.action === 'scale_out' && x.result === 'succeeded');
    expect(taken).toHaveLength(ALERTS / 2);
    // the old pod's half: four scale-outs before it stopped; one PATCH per notification in all
    expect(
      kube.writes().filter((c) => c.method === 'PATCH' && c.path.includes('/deployments/orders/scale')),
    ).toHaveLength(ALERTS);
    expect(kube.replicas).toBe(2 + ALERTS);
  });

  it('a replica restarted as a follower keeps what its database holds until it leads, then acts on it once', async () => {
    for (const o of open.splice(0)) await o.close(); // no other candidate for the Lease
    // a notification the previous run of this pod accepted and had not acted on
    const dbFile = join(makeTempDir('lease-restart'), 'audit.db');
    const left = new AuditSqlite(dbFile);
    const a = alert({});
    left.accept(
      'alertmanager',
      [{ ...a, fingerprint: a.fingerprint!, startsAt: Date.parse(a.startsAt), startsAtRaw: a.startsAt }],
      Date.now(),
    );
    left.close();
    kube.lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'homeostat-remediator', namespace: 'homeostat', resourceVersion: '900' },
      spec: { holderIdentity: 'another-pod', leaseDurationSeconds: 3, renewTime: new Date().toISOString() },
    };
    const before = kube.replicas;
    const r = await replica('restarted-pod', dbFile);
    expect(await ready(r)).toBe(false);
    await new Promise((ok) => setTimeout(ok, 500)); // a follower's engine would have decided by now
    expect(r.store.pendingCount()).toBe(1);
    expect(r.store.actions(0, Date.now() + 1000)).toEqual([]); // not closed as 'follower'
    await waitFor('the Lease to expire and this pod to lead', () => ready(r), { timeoutMs: 15_000 });
    await waitFor('the pending notification acted on', () => r.store.pendingCount() === 0);
    await r.engine.idle();
    expect(r.store.actions(0, Date.now() + 1000).map((x) => [x.action, x.result])).toEqual([
      ['scale_out', 'succeeded'],
    ]);
    expect(kube.replicas).toBe(before + 1);
  });
});
