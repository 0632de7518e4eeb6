import type { Target } from '@homeostat/contracts';
import type { KubernetesActuator } from '../src/actuators/kubernetes';
import type { FakeKube } from './support/fake-kube';
import { actuatorFor, request, startKube } from './support/kube-harness';
import { alert, webhook } from './support/payload';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(30_000);

const ledger: Target = { actuator: 'kubernetes', kind: 'statefulset', name: 'ledger', namespace: 'shop' };

describe("restart is verified on Kubernetes' own terms (observedGeneration, updated/available replicas, ProgressDeadlineExceeded)", () => {
  let kube: FakeKube;
  let act: KubernetesActuator;
  beforeEach(async () => {
    kube = await startKube();
    act = actuatorFor(kube);
  });
  afterEach(async () => {
    await act.close();
    expect(kube.unexpected).toEqual([]);
    expect(kube.forbidden).toEqual([]);
    await kube.stop();
  });

  it('finishes only once the controller observed the new generation and every replica is updated and available', async () => {
    kube.replicas = 3;
    kube.tick(1000);
    const before = await act.snapshot(request('restart').target);
    const plan = await act.plan(request('restart'), before);
    expect(plan.apiCall).toMatchObject({
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/shop/deployments/orders?fieldManager=homeostat-remediator',
      contentType: 'application/merge-patch+json',
    });
    const after = await plan.run();
    const d = kube.deployment();
    expect(d.metadata.generation).toBe(after.generation);
    expect(d.status).toMatchObject({
      observedGeneration: d.metadata.generation,
      updatedReplicas: 3,
      availableReplicas: 3,
      replicas: 3,
    });
    // it polled through the rollout (one pod per controller sync), not just the patch
    expect(
      kube.calls.filter(
        (c) => c.method === 'GET' && c.path === '/apis/apps/v1/namespaces/shop/deployments/orders',
      ).length,
    ).toBeGreaterThan(3);
  });

  it('a stuck rollout fails the action with ProgressDeadlineExceeded instead of being called healed', async () => {
    kube.controller.stuck.add('orders');
    const before = await act.snapshot(request('restart').target);
    await expect((await act.plan(request('restart'), before)).run()).rejects.toMatchObject({
      code: 'ACTUATOR_FAILED',
      message: expect.stringContaining('ProgressDeadlineExceeded'),
    });
  });

  it('never restarts on top of a rollout in progress (not yet observed, or still updating)', async () => {
    // someone else's rollout: a template change the controller has not observed yet
    const d = kube.deployment();
    kube.put('deployments', {
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
    const before = await act.snapshot(request('restart').target);
    kube.calls = [];
    await expect((await act.plan(request('restart'), before)).run()).rejects.toMatchObject({
      message: expect.stringMatching(/rollout is progressing \(observedGeneration/),
    });
    kube.tick(1000); // observed, updating: 1 of 2
    await expect((await act.plan(request('restart'), before)).run()).rejects.toMatchObject({
      message: expect.stringMatching(/rollout is progressing \(\d of 2 replicas updated/),
    });
    expect(kube.writes()).toEqual([]);
  });

  it('refuses a paused workload and one whose last rollout failed', async () => {
    kube.controller.stuck.add('orders');
    await expect((await act.plan(request('restart'), {})).run()).rejects.toThrow(/ProgressDeadlineExceeded/);
    kube.calls = [];
    await expect((await act.plan(request('restart'), {})).run()).rejects.toThrow(/rollout is failed/);
    const d = kube.deployment();
    kube.put('deployments', { ...d, spec: { ...d.spec, paused: true } });
    await expect((await act.plan(request('restart'), {})).run()).rejects.toThrow(/paused/);
    expect(kube.writes()).toEqual([]);
  });

  it('supports StatefulSets on their own paths (scale subresource, restart, rollout by revision)', async () => {
    kube.put('statefulsets', {
      metadata: { name: 'ledger', generation: 1 },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'ledger' } },
        template: { metadata: { labels: { app: 'ledger' } }, spec: { containers: [{ name: 'db' }] } },
      },
    });
    kube.tick(1000);
    const before = await act.snapshot(ledger);
    expect(before).toMatchObject({ replicas: 2, selector: 'app=ledger' });
    const scaled = await (
      await act.plan(request('scale_out', { target: ledger, desiredReplicas: 3 }), before)
    ).run();
    expect(scaled.replicas).toBe(3);
    kube.tick(1000); // the controller observes the scale
    await (await act.plan(request('restart', { target: ledger }), scaled)).run();
    const s = kube.get('statefulsets', 'ledger')!;
    expect(s.status).toMatchObject({
      updatedReplicas: 3,
      currentRevision: 'rev-new',
      updateRevision: 'rev-new',
    });
    expect(kube.writes().map((c) => c.path.split('?')[0])).toEqual([
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
