import type { Target } from '@homeostat/contracts';
import { waitFor } from '@homeostat/testkit';
import { KubernetesActuator, loadKubeConfig } from '../src/actuators/kubernetes';
import { LeaseElector } from '../src/leader/lease';
import { alert, webhook } from './support/payload';
import { FakeKube } from './support/fake-kube';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(60_000);

const target: Target = { actuator: 'kubernetes', kind: 'deployment', name: 'orders', namespace: 'shop' };
const MERGE = 'application/merge-patch+json';
const FM = 'fieldManager=homeostat-remediator';
type Action = 'restart' | 'scale_out' | 'scale_in' | 'isolate' | 'shift_traffic' | 'cache_enable';
const req = (action: Action, params: Record<string, unknown> = {}, desiredReplicas?: number) => ({
  action,
  target,
  params,
  labels: { service: 'orders' },
  incidentId: 'i1',
  ...(desiredReplicas ? { desiredReplicas } : {}),
});

describe('Kubernetes actuator against a fake API server (exact paths, verbs, content types, bodies)', () => {
  let kube: FakeKube;
  let act: KubernetesActuator;

  beforeEach(async () => {
    kube = new FakeKube();
    await kube.start();
    act = new KubernetesActuator(loadKubeConfig(kube.kubeconfig));
  });
  afterEach(async () => {
    expect(kube.unexpected).toEqual([]);
    await kube.stop();
  });

  it('scales through the scale subresource with a merge patch, and undo restores the count', async () => {
    const before = await act.snapshot(target);
    expect(before).toMatchObject({ replicas: 2, selector: 'app=orders' });
    expect(kube.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /apis/apps/v1/namespaces/shop/deployments/orders/scale',
      'GET /apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers',
    ]);
    kube.calls = [];
    const plan = await act.plan(req('scale_out', {}, 3), before);
    const after = await plan.run();
    expect(kube.calls).toEqual([
      {
        method: 'PATCH',
        path: `/apis/apps/v1/namespaces/shop/deployments/orders/scale?${FM}`,
        contentType: MERGE,
        body: { spec: { replicas: 3 } },
      },
    ]);
    expect(plan.apiCall).toEqual({
      method: 'PATCH',
      path: kube.calls[0]!.path,
      contentType: MERGE,
      body: { spec: { replicas: 3 } },
    });
    expect(kube.replicas).toBe(3);
    await act.undo(req('scale_out', {}, 3), before, after);
    expect(kube.replicas).toBe(2);
  });

  it("raises the owning HPA's minReplicas (JSON patch with a test op) instead of scaling, and restores it", async () => {
    kube.hpa = { minReplicas: 2, maxReplicas: 6 };
    const before = await act.snapshot(target);
    kube.calls = [];
    const after = await (await act.plan(req('scale_out', {}, 4), before)).run();
    expect(kube.calls).toEqual([
      {
        method: 'PATCH',
        path: `/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/orders-hpa?${FM}`,
        contentType: 'application/json-patch+json',
        body: [
          { op: 'test', path: '/spec/minReplicas', value: 2 },
          { op: 'replace', path: '/spec/minReplicas', value: 4 },
        ],
      },
    ]);
    expect(kube.hpa.minReplicas).toBe(4);
    expect(kube.replicas).toBe(2); // the scale subresource was left to the HPA
    await act.undo(req('scale_out', {}, 4), before, after);
    expect(kube.hpa.minReplicas).toBe(2);
  });

  it('rollout-restarts with the restartedAt annotation as a merge patch and refuses paused deployments', async () => {
    const plan = await act.plan(req('restart'), await act.snapshot(target));
    kube.calls = [];
    await plan.run();
    expect(kube.calls[0]).toMatchObject({
      method: 'GET',
      path: '/apis/apps/v1/namespaces/shop/deployments/orders',
    });
    expect(kube.calls[1]).toMatchObject({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/shop/deployments/orders?${FM}`,
      contentType: MERGE,
    });
    const ts = kube.annotations['kubectl.kubernetes.io/restartedAt'];
    expect(new Date(ts ?? '').getTime()).toBeGreaterThan(Date.now() - 10_000);
    expect(kube.calls[1]!.body).toEqual({
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': ts } } } },
    });
    kube.paused = true;
    await expect((await act.plan(req('restart'), {})).run()).rejects.toMatchObject({
      code: 'ACTUATOR_FAILED',
    });
  });

  it('isolates one pod by relabelling it out of the Service, and undo puts it back', async () => {
    const before = await act.snapshot(target);
    kube.calls = [];
    const plan = await act.plan(req('isolate', { label: 'homeostat.io/traffic', value: 'isolated' }), before);
    const after = await plan.run();
    expect(kube.calls.map((c) => [c.method, c.path, c.contentType, c.body])).toEqual([
      ['GET', '/api/v1/namespaces/shop/pods?labelSelector=app%3Dorders', undefined, undefined],
      [
        'PATCH',
        `/api/v1/namespaces/shop/pods/orders-7d9f-a?${FM}`,
        MERGE,
        { metadata: { labels: { 'homeostat.io/traffic': 'isolated' } } },
      ],
    ]);
    expect(kube.pods[0]!.labels['homeostat.io/traffic']).toBe('isolated');
    expect(kube.pods[1]!.labels['homeostat.io/traffic']).toBe('serving');
    await act.undo(req('isolate'), before, after);
    expect(kube.pods[0]!.labels['homeostat.io/traffic']).toBe('serving');
  });

  it('shifts traffic via the Service selector and toggles the cache ConfigMap, both undoable', async () => {
    const before = await act.snapshot(target);
    kube.calls = [];
    const shifted = await (
      await act.plan(req('shift_traffic', { selector: { track: 'stable' } }), before)
    ).run();
    expect(kube.calls[1]).toEqual({
      method: 'PATCH',
      path: `/api/v1/namespaces/shop/services/orders?${FM}`,
      contentType: MERGE,
      body: { spec: { selector: { track: 'stable' } } },
    });
    expect(kube.serviceSelector).toEqual({ app: 'orders', track: 'stable' });
    await act.undo(req('shift_traffic'), before, shifted);
    expect(kube.serviceSelector).toEqual({ app: 'orders' });
    kube.calls = [];
    const cached = await (
      await act.plan(req('cache_enable', { enabled: true, key: 'CACHE_ENABLED' }), before)
    ).run();
    expect(kube.calls[1]).toEqual({
      method: 'PATCH',
      path: `/api/v1/namespaces/shop/configmaps/orders-homeostat?${FM}`,
      contentType: MERGE,
      body: { data: { CACHE_ENABLED: 'true' } },
    });
    await act.undo(req('cache_enable'), before, cached);
    expect(kube.configMap.CACHE_ENABLED).toBe('false');
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
    await new Promise((r) => setTimeout(r, 1100));
    expect(await b.tryAcquire()).toBe(true);
    expect(kube.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  describe('remediator with leader election: followers record but do not act', () => {
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

    it('skips as follower, then acts once it holds the lease', async () => {
      const a1 = alert({ namespace: 'shop' });
      await r.post('/api/v1/alerts/alertmanager', webhook([a1]));
      await r.engine.idle();
      const first = r.store.incidents(0, Date.now()).find((i) => i.fingerprint === a1.fingerprint)!;
      expect(first.actions[0]).toMatchObject({ result: 'skipped' });
      expect(first.actions[0]!.reason).toMatch(/^follower/);
      expect(kube.actionCalls()).toEqual([]);
      await waitFor(
        'leadership after the other holder stops renewing',
        async () => /^homeostat_remediator_leader 1$/m.test(await (await fetch(`${r.url}/metrics`)).text()),
        { timeoutMs: 15_000 },
      );
      const a2 = alert({ namespace: 'shop' });
      await r.post('/api/v1/alerts/alertmanager', webhook([a2]));
      await r.engine.idle();
      const second = r.store.incidents(0, Date.now()).find((i) => i.fingerprint === a2.fingerprint)!;
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
