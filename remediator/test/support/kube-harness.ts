import type { Target } from '@homeostat/contracts';
import type { ActRequest } from '../../src/actuators/actuator';
import {
  KubernetesActuator,
  loadKubeConfig,
  type KubernetesActuatorOptions,
} from '../../src/actuators/kubernetes';
import { FakeKube } from './fake-kube';

export const orders: Target = {
  actuator: 'kubernetes',
  kind: 'deployment',
  name: 'orders',
  namespace: 'shop',
};

/** An actuator on the fake API server, whose clock is the fake cluster's: a sleep moves the controllers on. */
export function actuatorFor(kube: FakeKube, o: KubernetesActuatorOptions = {}): KubernetesActuator {
  return new KubernetesActuator(loadKubeConfig(kube.kubeconfig), {
    clock: { now: () => kube.now, sleep: (ms) => Promise.resolve(kube.tick(ms)) },
    sweepSeconds: 0,
    rolloutPollSeconds: 5,
    ...o,
  });
}

export function request(
  action: ActRequest['action'],
  o: {
    params?: Record<string, unknown>;
    desiredReplicas?: number;
    labels?: Record<string, string>;
    incidentId?: string;
    target?: Target;
  } = {},
): ActRequest {
  return {
    action,
    target: o.target ?? orders,
    params: o.params ?? {},
    labels: o.labels ?? { service: 'orders' },
    incidentId: o.incidentId ?? 'i1',
    ...(o.desiredReplicas !== undefined ? { desiredReplicas: o.desiredReplicas } : {}),
  };
}

export async function startKube(): Promise<FakeKube> {
  const kube = new FakeKube();
  await kube.start();
  return kube;
}

/**
 * A fake API server and an actuator on it for each test of the calling describe block. After each
 * test: no call to a path the fake does not serve and none the shipped Role denied, unless the
 * test is about exactly that (`allow`).
 */
export function withFakeKube(
  o: KubernetesActuatorOptions = {},
  allow: { unexpected?: boolean; forbidden?: boolean } = {},
): { kube: FakeKube; act: KubernetesActuator } {
  const ctx = {} as { kube: FakeKube; act: KubernetesActuator };
  beforeEach(async () => {
    ctx.kube = await startKube();
    ctx.act = actuatorFor(ctx.kube, o);
  });
  afterEach(async () => {
    await ctx.act.close();
    if (!allow.unexpected) expect(ctx.kube.unexpected).toEqual([]);
    if (!allow.forbidden) expect(ctx.kube.forbidden).toEqual([]);
    await ctx.kube.stop();
  });
  return ctx;
}
