import type { FakeKube } from './support/fake-kube';
import { actuatorFor, request, withFakeKube } from './support/kube-harness';

jest.setTimeout(30_000);

const TTL_S = 300;
const isolate = (
  o: { labels?: Record<string, string>; incidentId?: string; params?: Record<string, unknown> } = {},
) => request('isolate', { params: { label: 'homeostat.io/traffic', value: 'isolated' }, ...o });
const traffic = (kube: FakeKube, name: string) =>
  kube.pods.find((p) => p.name === name)?.labels['homeostat.io/traffic'];

describe('isolation: aimed at the pod the evidence names, bounded in share and time', () => {
  const k = withFakeKube({ isolationTtlSeconds: TTL_S });
  beforeEach(() => {
    k.kube.addPod('orders-7d9f-c');
    k.kube.addPod('orders-7d9f-d');
  });

  it("isolates the pod named by the alert's `pod` label (a JSON patch, compare-and-swap on the label), and undo restores it", async () => {
    const before = await k.act.snapshot(request('isolate').target);
    const req = isolate({ labels: { service: 'orders', pod: 'orders-7d9f-c' } });
    const plan = await k.act.plan(req, before);
    expect(plan.apiCall).toMatchObject({
      method: 'PATCH',
      path: '/api/v1/namespaces/shop/pods/orders-7d9f-c?fieldManager=homeostat-remediator',
      contentType: 'application/json-patch+json',
    });
    expect(plan.apiCall.body).toEqual(
      expect.arrayContaining([
        { op: 'test', path: '/metadata/labels/homeostat.io~1traffic', value: 'serving' },
      ]),
    );
    const after = await plan.run();
    expect(traffic(k.kube, 'orders-7d9f-c')).toBe('isolated');
    expect(k.kube.pods.filter((p) => p.labels['homeostat.io/traffic'] === 'isolated')).toHaveLength(1);
    await k.act.undo(req, before, after);
    expect(traffic(k.kube, 'orders-7d9f-c')).toBe('serving');
    expect(k.kube.pods.find((p) => p.name === 'orders-7d9f-c')!.annotations).toEqual({});
  });

  it('without a `pod` label, picks the pod Kubernetes sees as worst; refuses when none stands out', async () => {
    const before = await k.act.snapshot(request('isolate').target);
    await expect(k.act.plan(isolate(), before)).rejects.toMatchObject({
      code: 'TARGET_UNRESOLVED',
      field: 'labels.pod',
    });
    k.kube.addPod('orders-7d9f-e', { restarts: 4 });
    await (await k.act.plan(isolate(), before)).run();
    expect(traffic(k.kube, 'orders-7d9f-e')).toBe('isolated');
    expect(traffic(k.kube, 'orders-7d9f-a')).toBe('serving');
  });

  it('counts pods already isolated against the share, and never isolates the last serving pod', async () => {
    const before = await k.act.snapshot(request('isolate').target);
    await (await k.act.plan(isolate({ labels: { pod: 'orders-7d9f-a' } }), before)).run();
    await (await k.act.plan(isolate({ labels: { pod: 'orders-7d9f-b' } }), before)).run(); // 2 of 4 = 50%
    await expect(k.act.plan(isolate({ labels: { pod: 'orders-7d9f-c' } }), before)).rejects.toThrow(
      /2 of 4 pods already isolated/,
    );
    expect(traffic(k.kube, 'orders-7d9f-c')).toBe('serving');
  });

  it('ends by time: after the TTL the pod is evicted (replaced by its ReplicaSet); a PodDisruptionBudget defers it', async () => {
    const before = await k.act.snapshot(request('isolate').target);
    await (await k.act.plan(isolate({ labels: { pod: 'orders-7d9f-a' } }), before)).run();
    expect((await k.act.sweep()).isolations).toEqual([]);
    k.kube.tick(TTL_S * 1000);
    k.kube.pdbBlocks = true;
    expect((await k.act.sweep()).isolations).toEqual([]);
    expect(traffic(k.kube, 'orders-7d9f-a')).toBe('isolated');
    k.kube.pdbBlocks = false;
    expect((await k.act.sweep()).isolations).toEqual(['orders-7d9f-a']);
    expect(k.kube.pods.map((p) => p.name)).not.toContain('orders-7d9f-a');
    expect(k.kube.pods.filter((p) => p.labels['homeostat.io/traffic'] === 'serving')).toHaveLength(4);
    expect(k.kube.calls.filter((c) => c.path.endsWith('/eviction')).at(-1)).toMatchObject({ method: 'POST' });
  });

  it('or, configured so, puts the label back after the TTL', async () => {
    const restoring = actuatorFor(k.kube, { isolationTtlSeconds: TTL_S, afterIsolationTtl: 'restore' });
    const before = await restoring.snapshot(request('isolate').target);
    await (await restoring.plan(isolate({ labels: { pod: 'orders-7d9f-b' } }), before)).run();
    k.kube.tick(TTL_S * 1000);
    await restoring.sweep();
    expect(traffic(k.kube, 'orders-7d9f-b')).toBe('serving');
  });

  it("reads the workload's pods by its full selector (matchExpressions too): another workload's pods are never picked", async () => {
    const d = k.kube.deployment();
    k.kube.put('deployments', {
      ...d,
      spec: {
        ...d.spec,
        selector: {
          matchLabels: { app: 'orders' },
          matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }],
        },
      },
    });
    k.kube.addPod('orders-canary-x', {
      restarts: 9,
      labels: { app: 'orders', track: 'canary', 'homeostat.io/traffic': 'serving' },
    });
    const before = await k.act.snapshot(request('isolate').target);
    expect(before.selector).toBe('app=orders,track notin (canary)');
    await expect(k.act.plan(isolate(), before)).rejects.toMatchObject({ code: 'TARGET_UNRESOLVED' });
    expect(traffic(k.kube, 'orders-canary-x')).toBe('serving');
  });

  it('refuses a label the Service does not select on, or one in the Deployment selector (the pod would be orphaned)', async () => {
    const before = await k.act.snapshot(request('isolate').target);
    await expect(
      k.act.plan(
        isolate({ labels: { pod: 'orders-7d9f-a' }, params: { label: 'tier', value: 'x' } }),
        before,
      ),
    ).rejects.toThrow(/not in Service shop\/orders's selector/);
    await expect(
      k.act.plan(isolate({ labels: { pod: 'orders-7d9f-a' }, params: { label: 'app', value: 'x' } }), before),
    ).rejects.toThrow(/would orphan the pod/);
    expect(k.kube.writes()).toEqual([]);
  });
});

describe('traffic shift through Gateway API HTTPRoute weights; cache toggling refused', () => {
  const k = withFakeKube({}, { unexpected: true });

  it('without the Gateway API the shift is refused, and nothing is written', async () => {
    await expect(k.act.plan(request('shift_traffic', { params: { weight: 0.1 } }), {})).rejects.toMatchObject(
      {
        code: 'ACTION_UNSUPPORTED',
        message: expect.stringContaining('does not serve the Gateway API'),
      },
    );
    expect(k.kube.writes()).toEqual([]);
  });

  it("sets the target backend's weight so it keeps `weight` of the route's traffic; undo puts it back if still ours", async () => {
    k.kube.gatewayApi = true;
    k.kube.put('httproutes', {
      metadata: { name: 'shop' },
      spec: {
        rules: [
          { backendRefs: [{ name: 'checkout', port: 80 }] },
          {
            backendRefs: [
              { name: 'orders', port: 8101, weight: 90 },
              { name: 'orders-canary', port: 8101, weight: 10 },
            ],
          },
        ],
      },
    });
    k.kube.put('httproutes', { metadata: { name: 'orders' }, spec: { rules: [] } });
    const req = request('shift_traffic', { params: { weight: 0.2, service: 'orders-canary' } });
    const plan = await k.act.plan(req, {});
    expect(plan.apiCall).toMatchObject({
      method: 'PATCH',
      path: '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/shop?fieldManager=homeostat-remediator',
      contentType: 'application/json-patch+json',
    });
    const after = await plan.run();
    const refs = () =>
      (k.kube.get('httproutes', 'shop')!.spec as { rules: { backendRefs: { weight?: number }[] }[] })
        .rules[1]!.backendRefs;
    expect(refs().map((b) => b.weight)).toEqual([90, 23]); // 23 / 113 ~ 0.2
    await k.act.undo(req, {}, after);
    expect(refs().map((b) => b.weight)).toEqual([90, 10]);
  });

  it('refuses a Service-selector shift (all or nothing) and cache_enable (no toggle the app reloads)', async () => {
    await expect(
      k.act.plan(request('shift_traffic', { params: { selector: { track: 'stable' } } }), {}),
    ).rejects.toMatchObject({
      code: 'ACTION_UNSUPPORTED',
      field: 'params.selector',
    });
    await expect(
      k.act.plan(request('cache_enable', { params: { enabled: true } }), {}),
    ).rejects.toMatchObject({
      code: 'ACTION_UNSUPPORTED',
    });
    expect(k.kube.writes()).toEqual([]);
  });
});
