import {
  ApiException,
  CoordinationV1Api,
  KubeConfig,
  V1MicroTime,
  type V1Lease,
} from '@kubernetes/client-node';
import { timedConfiguration } from '../actuators/kubernetes/kube-api';

export interface LeaseOptions {
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationSeconds: number;
  renewSeconds: number;
}

/**
 * Lease-based leader election (coordination.k8s.io/v1), compare-and-swap on resourceVersion. Only
 * the leader acts; followers receive and record. Leadership lapses when renewals stop succeeding
 * for a lease duration, so a partitioned leader stops acting before another takes over.
 */
export class LeaseElector {
  private readonly coord: CoordinationV1Api;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    kc: KubeConfig,
    private readonly o: LeaseOptions,
    private readonly log?: { warn: (o: object, m: string) => void },
  ) {
    // Bounded by the renew period: a hung request must not outlive the round it belongs to.
    this.coord = new CoordinationV1Api(timedConfiguration(kc, o.renewSeconds * 1000));
  }

  isLeader(): boolean {
    return Date.now() - this.lastRenew < this.o.leaseDurationSeconds * 1000;
  }

  start(): void {
    const tick = async () => {
      try {
        if (await this.tryAcquire()) this.lastRenew = Date.now();
      } catch (e) {
        this.log?.warn({ err: e }, 'lease renewal failed');
      }
      if (!this.stopped) this.timer = setTimeout(() => (this.inFlight = tick()), this.o.renewSeconds * 1000);
    };
    this.inFlight = tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.lastRenew = 0;
    await this.inFlight;
  }

  /** One acquire-or-renew round; true when this identity holds the lease afterwards. */
  async tryAcquire(): Promise<boolean> {
    const { namespace, leaseName: name, identity, leaseDurationSeconds } = this.o;
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await this.coord.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) {
        try {
          await this.coord.createNamespacedLease({
            namespace,
            body: {
              apiVersion: 'coordination.k8s.io/v1',
              kind: 'Lease',
              metadata: { name, namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds,
                acquireTime: now,
                renewTime: now,
                leaseTransitions: 0,
              },
            },
          });
          return true;
        } catch (ce) {
          if (ce instanceof ApiException && ce.code === 409) return false;
          throw ce;
        }
      }
      throw e;
    }
    const s = lease.spec ?? {};
    const renewed = s.renewTime ? new Date(s.renewTime).getTime() : 0;
    const expired = now.getTime() - renewed > (s.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (s.holderIdentity && s.holderIdentity !== identity && !expired) return false;
    const takeover = s.holderIdentity !== identity;
    lease.spec = {
      ...s,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: now,
      ...(takeover ? { acquireTime: now, leaseTransitions: (s.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await this.coord.replaceNamespacedLease({ name, namespace, body: lease });
      return true;
    } catch (e) {
      if (e instanceof ApiException && e.code === 409) return false;
      throw e;
    }
  }
}
