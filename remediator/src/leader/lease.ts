import {
  ApiException,
  CoordinationV1Api,
  KubeConfig,
  V1MicroTime,
  type V1Lease,
} from '@kubernetes/client-node';
import { timedConfiguration } from '../actuators/kubernetes/kube-api';
import { RemediatorError } from '../errors';

export interface LeaseOptions {
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationSeconds: number;
  renewSeconds: number;
  /**
   * How long after the start of its last successful renewal the leader keeps acting. Shorter than
   * the lease duration, so a leader whose renewals stop has stopped acting before any other
   * replica may take over. Default: 2/3 of the lease duration (client-go's 10 s of 15 s).
   */
  renewDeadlineSeconds?: number;
  /** This replica's clock (tests skew it); only differences of its own readings are used. */
  now?: () => number;
}

interface Observed {
  holder: string;
  renewTime: string;
  durationMs: number;
}

/**
 * Lease-based leader election (coordination.k8s.io/v1) with client-go's rules: compare-and-swap on
 * resourceVersion; a candidate judges expiry only by its own clock (how long the record has been
 * unchanged since it first saw it), never by comparing its clock with the holder's renewTime; the
 * leader counts its term from the start of the renewal that succeeded, acts only within the renew
 * deadline (< lease duration), stops at once when a renewal fails, hits a conflict or finds another
 * holder, and releases the Lease on stop() so a successor need not wait for it to expire.
 */
export class LeaseElector {
  private readonly coord: CoordinationV1Api;
  private readonly now: () => number;
  private readonly deadlineMs: number;
  private leaderUntil = 0;
  private observed: Observed | null = null;
  private observedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private inFlight: Promise<void> = Promise.resolve();
  private onLead: (() => void)[] = [];

  constructor(
    kc: KubeConfig,
    private readonly o: LeaseOptions,
    private readonly log?: { warn: (o: object, m: string) => void },
  ) {
    this.now = o.now ?? Date.now;
    const deadline = o.renewDeadlineSeconds ?? (o.leaseDurationSeconds * 2) / 3;
    if (!(o.renewSeconds < deadline && deadline < o.leaseDurationSeconds))
      throw new RemediatorError(
        'CONFIG_INVALID',
        `leader election needs renewSeconds (${o.renewSeconds}) < renewDeadlineSeconds (${deadline}) < leaseDurationSeconds (${o.leaseDurationSeconds})`,
        { field: 'kubernetes.leaderElection' },
      );
    this.deadlineMs = deadline * 1000;
    // Bounded by the renew period: a hung request must not outlive the round it belongs to.
    this.coord = new CoordinationV1Api(timedConfiguration(kc, o.renewSeconds * 1000));
  }

  isLeader(): boolean {
    return this.now() < this.leaderUntil;
  }

  /** Runs `fn` once, when this replica first wins the Lease (at once if it leads already). */
  onFirstLead(fn: () => void): void {
    if (this.isLeader()) fn();
    else this.onLead.push(fn);
  }

  start(): void {
    const tick = async () => {
      try {
        await this.tryAcquire();
      } catch (e) {
        this.log?.warn({ err: e }, 'lease renewal failed: not acting until a renewal succeeds');
      }
      if (!this.stopped) this.timer = setTimeout(() => (this.inFlight = tick()), this.o.renewSeconds * 1000);
    };
    this.inFlight = tick();
  }

  /** Stops renewing and, when holding the Lease, gives it up (holder cleared) for the next replica. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    const held = this.isLeader();
    this.leaderUntil = 0;
    if (!held) return;
    const { namespace, leaseName: name, identity } = this.o;
    try {
      const lease = await this.coord.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      lease.spec = {
        ...lease.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        renewTime: new V1MicroTime(),
      };
      await this.coord.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (e) {
      this.log?.warn({ err: e }, 'lease release failed; it expires on its own');
    }
  }

  /** One acquire-or-renew round; true when this identity holds the lease afterwards. */
  async tryAcquire(): Promise<boolean> {
    const started = this.now();
    try {
      const won = await this.round();
      if (won) this.leaderUntil = started + this.deadlineMs;
      else this.leaderUntil = 0;
      if (won) for (const fn of this.onLead.splice(0)) fn();
      return won;
    } catch (e) {
      this.leaderUntil = 0;
      throw e;
    }
  }

  private async round(): Promise<boolean> {
    const { namespace, leaseName: name, identity, leaseDurationSeconds } = this.o;
    const stamp = new V1MicroTime();
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
                acquireTime: stamp,
                renewTime: stamp,
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
    const seen: Observed = {
      holder: s.holderIdentity ?? '',
      renewTime: s.renewTime ? new Date(s.renewTime).toISOString() : '',
      durationMs: (s.leaseDurationSeconds ?? leaseDurationSeconds) * 1000,
    };
    const o = this.observed;
    if (
      !o ||
      o.holder !== seen.holder ||
      o.renewTime !== seen.renewTime ||
      o.durationMs !== seen.durationMs
    ) {
      this.observed = seen;
      this.observedAt = this.now();
    }
    const other = seen.holder !== '' && seen.holder !== identity;
    if (other && this.now() < this.observedAt + seen.durationMs) return false;
    const takeover = seen.holder !== identity;
    lease.spec = {
      ...s,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: stamp,
      ...(takeover ? { acquireTime: stamp, leaseTransitions: (s.leaseTransitions ?? 0) + 1 } : {}),
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
