import type { KubeConfig } from '@kubernetes/client-node';
import type { ApiCall, Target } from '@homeostat/contracts';
import { RemediatorError } from '../../errors';
import type { TargetSnapshot } from '../../policy/decide';
import type { Policy } from '../../policy/policy-schema';
import type { ActRequest, Actuator, Plan } from '../actuator';
import { HpaFloor } from './hpa-floor';
import { Isolation, checkIsolationLabel, type IsolationOptions, type IsolationRecord } from './isolation';
import { KubeApi, wallClock, type KubeClock } from './kube-api';
import { checkPolicy } from './policy-check';
import { planRestart } from './restart';
import { planScale, undoScale } from './scale';
import { gatewayApiProblem, TrafficShift, type ShiftRecord } from './traffic-shift';
import { Workload } from './workload';

export interface KubernetesActuatorOptions {
  clock?: KubeClock;
  /** Bound on every API call. */
  requestTimeoutMs?: number;
  /** How long a raised HPA floor is held before it is given back (covers verification + a hold). */
  floorHoldSeconds?: number;
  isolationTtlSeconds?: number;
  afterIsolationTtl?: IsolationOptions['afterTtl'];
  maxIsolatedPercent?: number;
  rolloutPollSeconds?: number;
  rolloutTimeoutSeconds?: number;
  /** Period of the sweep that ends floors and isolations past their time; 0: only when sweep() is called. */
  sweepSeconds?: number;
  /**
   * Checked before each sweep: only the leader ends floors and isolations, and nothing while the
   * kill switch is engaged (they are ended on the next sweep after it is released).
   */
  mayAct?: () => boolean;
}

/**
 * Kubernetes via @kubernetes/client-node 1.4. Targets: a Deployment or StatefulSet in a namespace.
 * One concept per file: scale.ts + hpa-floor.ts (scaling, under an HPA by its floor), restart.ts +
 * rollout-status.ts (restart verified by the rollout), isolation.ts, traffic-shift.ts (Gateway
 * API), policy-check.ts (what is refused at load). Floors and isolations carry their own record
 * (an annotation) and end by time, so nothing the remediator holds outlives it.
 */
export class KubernetesActuator implements Actuator {
  readonly kind = 'kubernetes' as const;
  private readonly api: KubeApi;
  private readonly clock: KubeClock;
  private readonly floor: HpaFloor;
  private readonly isolation: Isolation;
  private readonly shift: TrafficShift;
  /** Where floors and isolations may be held: the policy's namespaces and every one acted in. */
  private readonly namespaces = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    kc: KubeConfig,
    private readonly o: KubernetesActuatorOptions = {},
  ) {
    this.clock = o.clock ?? wallClock;
    this.api = new KubeApi(kc, o.requestTimeoutMs ?? 10_000);
    this.floor = new HpaFloor(this.api, this.clock, (o.floorHoldSeconds ?? 900) * 1000);
    this.isolation = new Isolation(this.api, this.clock, {
      ttlMs: (o.isolationTtlSeconds ?? 900) * 1000,
      afterTtl: o.afterIsolationTtl ?? 'evict',
      maxIsolatedPercent: o.maxIsolatedPercent ?? 50,
    });
    this.shift = new TrafficShift(this.api);
  }

  async snapshot(target: Target): Promise<TargetSnapshot> {
    const w = this.workload(target);
    const scale = await w.readScale();
    const hpa = await this.floor.find(w);
    return {
      replicas: scale.spec?.replicas ?? 0,
      selector: scale.status?.selector ?? null,
      ...(hpa ? { hpa } : {}),
    };
  }

  async plan(req: ActRequest, before: TargetSnapshot): Promise<Plan> {
    const w = this.workload(req.target);
    switch (req.action) {
      case 'scale_out':
      case 'scale_in':
        return this.armed(planScale(w, this.floor, req, before));
      case 'restart':
        return planRestart(
          w,
          before,
          this.clock,
          {
            pollMs: (this.o.rolloutPollSeconds ?? 5) * 1000,
            ...(this.o.rolloutTimeoutSeconds ? { timeoutMs: this.o.rolloutTimeoutSeconds * 1000 } : {}),
          },
          req.signal,
        );
      case 'isolate': {
        const label = String(req.params.label ?? 'homeostat.io/traffic');
        await checkIsolationLabel(this.api, w, w.name, label);
        const { pod } = await this.isolation.pick(w, String(before.selector ?? ''), req.labels);
        const p = this.isolation.isolate(
          w.namespace,
          pod,
          label,
          String(req.params.value ?? 'isolated'),
          req.incidentId,
        );
        return this.armed({
          apiCall: p.apiCall,
          run: async () => {
            await p.run();
            return { ...before, isolatedPod: pod.metadata?.name ?? '', isolation: p.record };
          },
        });
      }
      case 'shift_traffic': {
        if (req.params.selector !== undefined)
          throw new RemediatorError(
            'ACTION_UNSUPPORTED',
            'shift_traffic by Service selector is all or nothing; use Gateway API weights',
            {
              field: 'params.selector',
            },
          );
        const problem = await gatewayApiProblem(this.api, w.namespace);
        if (problem) throw new RemediatorError('ACTION_UNSUPPORTED', `shift_traffic refused: ${problem}`);
        const s = await this.shift.plan(
          w.namespace,
          String(req.params.service ?? w.name),
          Number(req.params.weight ?? 0.1),
        );
        return { apiCall: s.apiCall, run: async () => (await s.run(), { ...before, shift: s.record }) };
      }
      default:
        throw new RemediatorError('ACTION_UNSUPPORTED', `kubernetes actuator cannot ${req.action}`, {
          field: 'action',
        });
    }
  }

  async undo(req: ActRequest, before: TargetSnapshot, after: TargetSnapshot): Promise<ApiCall | null> {
    const w = this.workload(req.target);
    switch (req.action) {
      case 'scale_out':
      case 'scale_in':
        return undoScale(w, this.floor, req, before, after);
      case 'isolate':
        return after.isolation
          ? this.isolation.restore(
              w.namespace,
              String(after.isolatedPod),
              (after.isolation as IsolationRecord).incidentId,
            )
          : null;
      case 'shift_traffic':
        return after.shift ? this.shift.undo(w.namespace, after.shift as ShiftRecord) : null;
      default:
        return null; // a restart cannot be un-restarted
    }
  }

  /** At policy load: refuses what the cluster or the Role cannot do (see policy-check.ts). */
  async validate(policy: Policy): Promise<void> {
    for (const ns of await checkPolicy(this.api, policy)) this.namespaces.add(ns);
  }

  /** At start-up: gives back floors and ends isolations a previous run left past their time, then keeps sweeping. */
  async reconcile(): Promise<void> {
    await this.sweep();
    this.startSweeping();
  }

  /** Ends what is past its time in every known namespace: HPA floors given back, isolated pods evicted or restored. */
  async sweep(): Promise<{ floors: ApiCall[]; isolations: string[] }> {
    const out = { floors: [] as ApiCall[], isolations: [] as string[] };
    if (this.o.mayAct && !this.o.mayAct()) return out;
    for (const ns of this.namespaces) {
      out.floors.push(...(await this.floor.sweep(ns)));
      out.isolations.push(...(await this.isolation.sweep(ns)));
    }
    return out;
  }

  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return Promise.resolve();
  }

  private workload(t: Target): Workload {
    const w = new Workload(this.api, t);
    this.namespaces.add(w.namespace);
    return w;
  }

  /** Something that must end by time is about to be held: make sure the sweep runs. */
  private armed(p: Plan): Plan {
    return {
      apiCall: p.apiCall,
      run: async () => {
        const out = await p.run();
        this.startSweeping();
        return out;
      },
    };
  }

  private startSweeping(): void {
    const s = this.o.sweepSeconds ?? 30;
    if (this.timer || s <= 0) return;
    // A failed sweep is retried at the next tick; what it would end carries its own record.
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), s * 1000);
    this.timer.unref();
  }
}
