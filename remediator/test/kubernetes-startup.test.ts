import type { FakeKube } from './support/fake-kube';
import { startKube } from './support/kube-harness';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(30_000);

const policy = (ladder: { action: string }[]) => ({
  defaults: { cooldownSeconds: 0 },
  rules: [
    {
      name: 'cpu',
      match: { alertname: 'HomeostatAnomaly' },
      target: { actuator: 'kubernetes', kind: 'deployment', name: '{{service}}', namespace: 'shop' },
      allow: ['orders'],
      ladder,
    },
  ],
});

describe('remediator start-up with the Kubernetes actuator: validate the policy, reconcile what a previous run held', () => {
  let kube: FakeKube;
  let r: TestRemediator | undefined;
  beforeEach(async () => {
    kube = await startKube();
  });
  afterEach(async () => {
    await r?.close();
    r = undefined;
    await kube.stop();
  });

  it('refuses to start with a step the cluster cannot perform, naming the rule', async () => {
    await expect(
      startRemediator({
        kubernetes: { kubeconfig: kube.kubeconfig },
        policy: policy([{ action: 'cache_enable' }]),
      }),
    ).rejects.toMatchObject({ code: 'POLICY_INVALID', field: 'rules.0.ladder.0.action' });
  });

  it('gives back, at start-up, an HPA floor a previous run left past its hold', async () => {
    kube.addHpa(2, 6);
    kube.editHpa((s) => (s.minReplicas = 4));
    const h = kube.get('horizontalpodautoscalers', 'orders-hpa')!;
    h.metadata.annotations = {
      'homeostat.io/hpa-floor': JSON.stringify({
        originalMin: 2,
        originalMax: 6,
        raisedTo: 4,
        incidentId: 'old',
        until: 0,
      }),
    };
    r = await startRemediator({
      kubernetes: { kubeconfig: kube.kubeconfig },
      policy: policy([{ action: 'scale_out' }, { action: 'notify' }]),
    });
    expect(kube.hpa()).toEqual({ minReplicas: 2, maxReplicas: 6, annotations: {} });
    expect(kube.forbidden).toEqual([]);
  });
});
