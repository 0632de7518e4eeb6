import type { Target } from '@homeostat/contracts';
import type { FakeKube } from './support/fake-kube';
import { actuatorFor, request, startKube, withFakeKube } from './support/kube-harness';
import { alert, webhook } from './support/payload';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(30_000);

const ledger: Target = { actuator: 'kubernetes', kind: 'statefulset', name: 'ledger', namespace: 'shop' };

describe("restart is verified on Kubernetes' own terms (observedGeneration, updated/available replicas, ProgressDeadlineExceeded)", () => {
  const k = withFakeKube();

  it('finishes only once the controller observed the new generation and every replica is updated and available', async () => {
    k.kube.replicas = 3;
    k.kube.tick(1000);
    const before = await k.act.snapshot(request('restart').target);
    const plan = await k.act.plan(request('restart'), before);
    expect(plan.apiCall).toMatchObject({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/shop/deployments/orders?fieldManager=homeostat-remediator',
      contentType: 'application/merge-patch+json',
    });
    const after = await plan.run();
    const d = k.kube.deployment();
    expect(d.metadata.generation).toBe(after.generation);
    expect(d.status).toMatchObject({
      observedGeneration: d.metadata.generation,
      updatedReplicas: 3,
      availableReplicas: 3,
      replicas: 3,
    });
    // it polled through the rollout (one pod per controller sync), not just the patch
    expect(
      k.kube.calls.filter(
        (c) => c.method === 'GET' && c.path === '/apis/apps/v1/namespaces/shop/deployments/orders',
      ).length,
    ).toBeGreaterThan(3);
  });

  it('a stuck rollout fails the action with ProgressDeadlineExceeded instead of being called healed', async () => {
    k.kube.controller.stuck.add('orders');
    const before = await k.act.snapshot(request('restart').target);
    await expect((await k.act.plan(request('restart'), before)).run()).rejects.toMatchObject({
      code: 'ACTUATOR_FAILED',
      message: expect.stringContaining('ProgressDeadlineExceeded'),
    });
  });

  it('stops waiting for a rollout when the remediator shuts down (the action fails instead of holding the shutdown)', async () => {
    k.kube.controller.stuck.add('orders');
    const stop = new AbortController();
    stop.abort();
    await expect(
      (await k.act.plan({ ...request('restart'), signal: stop.signal }, {})).run(),
    ).rejects.toThrow(/shutting down/);
  });

  it('never restarts on top of a rollout in progress (not yet observed, or still updating)', async () => {
    // someone else's rollout: a template change the controller has not observed yet
    const d = k.kube.deployment();
    k.kube.put('deployments', {
      ...d,
      spec: {
        ...d.spec,
        template: {
          ...d.spec.template,
          metadata: { labels: { app: 'orders', 'homeostat.io/traffic': 'serving', v: '2' } },
        },
      },
      metadata: { ...d.metadata, generation: d.metadata.generation + 1 },
    });
    const before = await k.act.snapshot(request('restart').target);
    k.kube.calls = [];
    await expect((await k.act.plan(request('restart'), before)).run()).rejects.toMatchObject({
      message: expect.stringMatching(/rollout is progressing \(observedGeneration/),
    });
    k.kube.tick(1000); // observed, updating: 1 of 2
    await expect((await k.act.plan(request('restart'), before)).run()).rejects.toMatchObject({
      message: expect.stringMatching(/rollout is progressing \(\d of 2 replicas updated/),
    });
    expect(k.kube.writes()).toEqual([]);
  });

  it('refuses a paused workload and one whose last rollout failed', async () => {
    k.kube.controller.stuck.add('orders');
    await expect((await k.act.plan(request('restart'), {})).run()).rejects.toThrow(
      /ProgressDeadlineExceeded/,
    );
    k.kube.calls = [];
    await expect((await k.act.plan(request('restart'), {})).run()).rejects.toThrow(/rollout is failed/);
    const d = k.kube.deployment();
    k.kube.put('deployments', { ...d, spec: { ...d.spec, paused: true } });
    await expect((await k.act.plan(request('restart'), {})).run()).rejects.toThrow(/paused/);
    expect(k.kube.writes()).toEqual([]);
  });

  it('supports StatefulSets on their own paths (scale subresource, restart, rollout by revision)', async () => {
    k.kube.put('statefulsets', {
      metadata: { name: 'ledger', generation: 1 },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'ledger' } },
        template: { metadata: { labels: { app: 'ledger' } }, spec: { containers: [{ name: 'db' }] } },
      },
    });
    k.kube.tick(1000);
    const before = await k.act.snapshot(ledger);
    expect(before).toMatchObject({ replicas: 2, selector: 'app=ledger' });
    const scaled = await (
      await k.act.plan(request('scale_out', { target: ledger, desiredReplicas: 3 }), before)
    ).run();
    expect(scaled.replicas).toBe(3);
    k.kube.tick(1000); // the controller observes the scale
    await (await k.act.plan(request('restart', { target: ledger }), scaled)).run();
    const s = k.kube.get('statefulsets', 'ledger')!;
    expect(s.status).toMatchObject({
      updatedReplicas: 3,
      currentRevision: 'rev-new',
      updateRevision: 'rev-new',
    });
    expect(k.kube.writes().map((c) => c.path.split('?')[0])).toEqual([
      '/apis/apps/v1/namespaces/shop/statefulsets/ledger/scale',
      '/apis/apps/v1/namespaces/shop/statefulsets/ledger',
    ]);
  });
});

describe('remediator on Kubernetes: a stuck rollout is recorded as failed and escalated, not healed', () => {
  let kube: FakeKube;
  let r: TestRemediator;
  beforeEach(async () => {
    kube = await startKube();
    kube.controller.stuck.add('orders');
    r = await startRemediator(
      {
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
              name: 'down',
              match: { alertname: 'HomeostatAnomaly' },
              target: {
                actuator: 'kubernetes',
                kind: 'deployment',
                name: '{{service}}',
                namespace: '{{namespace}}',
              },
              allow: ['orders'],
              ladder: [{ action: 'restart' }, { action: 'notify' }],
            },
          ],
        },
      },
      { actuators: { kubernetes: actuatorFor(kube) } },
    );
  });
  afterEach(async () => {
    await r?.close();
    await kube.stop();
  });

  it('restart -> ProgressDeadlineExceeded -> action failed -> next step notify -> escalated', async () => {
    const a = alert({ namespace: 'shop' });
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await r.engine.idle();
    const inc = r.store.incidents(0, Date.now() + 86_400_000).find((i) => i.fingerprint === a.fingerprint)!;
    expect(inc.actions[0]).toMatchObject({
      action: 'restart',
      result: 'failed',
      error: expect.stringContaining('ProgressDeadlineExceeded'),
    });
    expect(inc.actions[1]).toMatchObject({ action: 'notify' });
    expect(inc.status).toBe('escalated');
  });
});
