import type { ActionKind, ActuatorKind, ApiCall, Labels, Target } from '@homeostat/contracts';
import type { TargetSnapshot } from '../policy/decide';
import type { Policy } from '../policy/policy-schema';

/** One action to take, as decided by the policy. */
export interface ActRequest {
  action: ActionKind;
  target: Target;
  params: Record<string, unknown>;
  /** Scale actions: the clamped replica count to reach. */
  desiredReplicas?: number;
  labels: Labels;
  incidentId: string;
  /**
   * Optional: aborted when the remediator shuts down; an action that waits on its platform (a
   * Kubernetes rollout) stops waiting and fails instead of holding the shutdown.
   */
  signal?: AbortSignal;
}

/**
 * A planned action. `apiCall` is the exact call `run()` makes (the primary one when there are
 * several), recorded verbatim in dry-run. `run()` returns the target's state afterwards.
 */
export interface Plan {
  apiCall: ApiCall;
  run(): Promise<TargetSnapshot>;
}

/**
 * One implementation per platform (docker.ts, kubernetes/, process.ts). Actuators do no policy:
 * bounds, cooldowns and allow-lists were applied by decide() before plan() is called.
 */
export interface Actuator {
  readonly kind: ActuatorKind;
  /** The target's state before acting (replicas, container ids...), kept for undo. */
  snapshot(target: Target): Promise<TargetSnapshot>;
  plan(req: ActRequest, before: TargetSnapshot): Promise<Plan>;
  /**
   * Restores the pre-action snapshot. Returns the call made, or null when the action has nothing
   * to undo (a restart cannot be un-restarted).
   */
  undo(req: ActRequest, before: TargetSnapshot, after: TargetSnapshot): Promise<ApiCall | null>;
  /**
   * Optional, once when the policy loads (before serving): refuses with POLICY_INVALID, naming the
   * rule's field, what this platform or its permissions cannot perform (so it fails at start-up,
   * not during an incident).
   */
  validate?(policy: Policy): Promise<void>;
  /**
   * Optional, once at start-up after validate(): ends what a previous run held past its time (an
   * HPA floor, an isolated pod) and keeps doing so while the remediator runs.
   */
  reconcile?(): Promise<void>;
  /**
   * Optional, at shutdown before leadership is released: stops what the actuator does on its own
   * (a sweep giving back scale-outs) and waits for it, so no two replicas act at once.
   */
  stopBackground?(): Promise<void>;
  close?(): Promise<void>;
}
