import { waitFor } from '@homeostat/testkit';
import { KubernetesActuator, loadKubeConfig } from '../src/actuators/kubernetes';
import { LeaseElector } from '../src/leader/lease';
import { alert, webhook } from './support/payload';
import { FakeKube } from './support/fake-kube';
import { actuatorFor, orders as target, request } from './support/kube-harness';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(60_000);

const JSON_PATCH = 'application/json-patch+json';
const FM = 'fieldManager=homeostat-remediator';

describe('Kubernetes actuator against a fake API server (exact paths, verbs, content types, bodies)', () => {
  let kube: FakeKube;
  let act: KubernetesActuator;

  beforeEach(async () => {
    kube = new FakeKube();
    await kube.start();
    act = actuatorFor(kube);
  });
  afterEach(async () => {
    await act.close();
    expect(kube.unexpected).toEqual([]);
    expect(kube.forbidden).toEqual([]);
    await kube.stop();
  });

  it('scales through the scale subresource, compare-and-swap on the count it read, and undo swaps back', async () => {
    const before = await act.snapshot(target);
    expect(before).toMatchObject({ replicas: 2, selector: 'app=orders' });
    expect(kube.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /apis/apps/v1/namespaces/shop/deployments/orders/scale',
      'GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers',
    ]);
    kube.calls = [];
    const plan = await act.plan(request('scale_out', { desiredReplicas: 3 }), before);
    const after = await plan.run();
    const body = [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
    ];
    expect(kube.calls).toEqual([
      {
        method: 'PATCH',
        path: `/apis/apps/v1/namespaces/shop/deployments/orders/scale?${FM}`,
        contentType: JSON_PATCH,
        body,
      },
    ]);
    expect(plan.apiCall).toEqual({
      method: 'PATCH',
      path: kube.calls[0]!.path,
      contentType: JSON_PATCH,
      body,
    });
    expect(kube.replicas).toBe(3);
    await act.undo(request('scale_out', { desiredReplicas: 3 }), before, after);
    expect(kube.replicas).toBe(2);
  });

  it("undo never overwrites someone else's change: a human's scale to 7 is not reverted to 2", async () => {
    const before = await act.snapshot(target);
    const after = await (await act.plan(request('scale_out', { desiredReplicas: 3 }), before)).run();
    kube.replicas = 7;
    await expect(act.undo(request('scale_out'), before, after)).rejects.toMatchObject({
      code: 'ACTUATOR_FAILED',
      message: expect.stringContaining('someone else scaled it'),
    });
    expect(kube.replicas).toBe(7);
  });

  it('does not scale over a change made between the read and the write', async () => {
    const before = await act.snapshot(target);
    kube.replicas = 4;
    await expect(
      (await act.plan(request('scale_out', { desiredReplicas: 3 }), before)).run(),
    ).rejects.toMatchObject({
      code: 'ACTUATOR_FAILED',
    });
    expect(kube.replicas).toBe(4);
  });

  it('requires a namespace and a supported kind (no silent `default`, no hard-coded deployments path)', async () => {
    const { namespace: _ns, ...noNs } = target;
    await expect(act.snapshot(noNs)).rejects.toMatchObject({
      code: 'TARGET_UNRESOLVED',
      field: 'target.namespace',
    });
    await expect(act.snapshot({ ...target, kind: 'daemonset' })).rejects.toMatchObject({
      code: 'ACTION_UNSUPPORTED',
      field: 'target.kind',
    });
    expect(kube.calls).toEqual([]);
  });

  it('bounds every API call with a timeout (a hung API server fails the call instead of holding the incident)', async () => {
    const quick = actuatorFor(kube, { requestTimeoutMs: 300 });
    kube.hang = true;
    await expect(quick.snapshot(target)).rejects.toThrow();
    const elector = new LeaseElector(loadKubeConfig(kube.kubeconfig), {
      namespace: 'homeostat',
      leaseName: 'homeostat-remediator',
      identity: 'a',
      leaseDurationSeconds: 1,
      renewSeconds: 0.3,
    });
    await expect(elector.tryAcquire()).rejects.toThrow();
    kube.hang = false;
    await expect(quick.snapshot(target)).resolves.toMatchObject({ replicas: 2 });
  });

  it('elects one leader with a Lease; a second candidate waits until the lease expires', async () => {
    const kc = loadKubeConfig(kube.kubeconfig);
    const opts = {
      namespace: 'homeostat',
      leaseName: 'homeostat-remediator',
      leaseDurationSeconds: 1,
      renewSeconds: 0.2,
    };
    const a = new LeaseElector(kc, { ...opts, identity: 'a' });
    const b = new LeaseElector(kc, { ...opts, identity: 'b' });
    expect(await a.tryAcquire()).toBe(true);
    expect(kube.calls.filter((c) => c.method === 'POST')[0]).toMatchObject({
      path: '/apis/coordination.k8s.io/v1/namespaces/homeostat/leases',
      contentType: 'application/json',
    });
    expect(await b.tryAcquire()).toBe(false);
    expect(await a.tryAcquire()).toBe(true); // renew = PUT with resourceVersion
    expect(kube.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    // b judges expiry by its own clock: the record must stay unchanged a lease duration after b saw it
    expect(await b.tryAcquire()).toBe(false);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await b.tryAcquire()).toBe(true);
    expect(kube.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  describe('remediator with leader election (SQLite): a follower takes no webhooks', () => {
    let r: TestRemediator;
    beforeEach(async () => {
      kube.lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'homeostat-remediator', namespace: 'homeostat', resourceVersion: '100' },
        spec: {
          holderIdentity: 'someone-else',
          leaseDurationSeconds: 3,
          renewTime: new Date().toISOString(),
        },
      };
      r = await startRemediator({
        kubernetes: {
          kubeconfig: kube.kubeconfig,
          leaderElection: {
            enabled: true,
            namespace: 'homeostat',
            leaseDurationSeconds: 3,
            renewSeconds: 0.2,
            identity: 'me',
          },
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
              replicas: { min: 1, max: 4 },
              target: {
                actuator: 'kubernetes',
                kind: 'deployment',
                name: '{{service}}',
                namespace: '{{namespace}}',
              },
              allow: ['orders'],
              ladder: [{ action: 'scale_out' }],
            },
          ],
        },
      });
    });
    afterEach(async () => {
      await r?.close();
    });

    it('refuses webhooks and is not ready as a follower, then takes and acts on them once it holds the lease', async () => {
      const a1 = alert({ namespace: 'shop' });
      const refused = await r.post('/api/v1/alerts/alertmanager', webhook([a1]));
      expect(refused).toMatchObject({ status: 503, body: { code: 'NOT_LEADER', field: 'leader' } });
      expect((await fetch(`${r.url}/readyz`)).status).toBe(503);
      expect(r.store.incidents(0, Date.now())).toEqual([]); // nothing accepted that no leader reads
      expect(kube.actionCalls()).toEqual([]);
      await waitFor(
        'leadership after the other holder stops renewing',
        async () => /^homeostat_remediator_leader 1$/m.test(await (await fetch(`${r.url}/metrics`)).text()),
        { timeoutMs: 15_000 },
      );
      expect((await fetch(`${r.url}/readyz`)).status).toBe(200);
      // Alertmanager retries the refused notification: now it is accepted and acted on once
      const retried = await r.post('/api/v1/alerts/alertmanager', webhook([a1]));
      expect(retried).toMatchObject({ status: 202, body: { accepted: 1, duplicates: 0 } });
      await r.engine.idle();
      const second = r.store.incidents(0, Date.now()).find((i) => i.fingerprint === a1.fingerprint)!;
      expect(second.actions[0]).toMatchObject({
        action: 'scale_out',
        result: 'succeeded',
        verification: 'passed',
        reason: expect.stringMatching(/^rule cpu/),
      });
      expect(kube.replicas).toBe(3);
      expect(kube.lease?.spec).toMatchObject({ holderIdentity: 'me' });
    });
  });
});
