import type { ActionKind, ActuatorKind, ApiCall, Labels, Target } from '@homeostat/contracts';
import type { TargetSnapshot } from '../policy/decide';

/** One action to take, as decided by the policy. */
export interface ActRequest {
  action: ActionKind;
  target: Target;
  params: Record<string, unknown>;
  /** Scale actions: the clamped replica count to reach. */
  desiredReplicas?: number;
  labels: Labels;
  incidentId: string;
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
 * One implementation per platform (docker.ts, kubernetes.ts, process.ts). Actuators do no policy:
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
  close?(): Promise<void>;
}
