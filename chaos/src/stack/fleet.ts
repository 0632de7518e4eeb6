import type { PortPool } from './port-pool';
import type { StackTarget } from './prometheus-config';

/** The demo backends behind the gateway. */
export const DEMO_SERVICES = ['orders', 'payments', 'inventory'] as const;

/** How the demo backends run: local processes, or Docker containers on the host network. */
export const FLEET_KINDS = ['processes', 'docker'] as const;
export type FleetKind = (typeof FLEET_KINDS)[number];

/** The fleet protects /admin with this token; the remediator's gateway client sends it. */
export const ADMIN_TOKEN_ENV = 'HOMEOSTAT_ADMIN_TOKEN';

/** A running demo fleet: the gateway in front of each backend's replicas, however they run. */
export interface Fleet {
  readonly kind: FleetKind;
  readonly gatewayUrl: string;
  /** Base URL of a service's first replica (a campaign injects into any of its replicas that answers). */
  url(service: string): string;
  /** The demo job's scrape targets now: the gateway and every replica, those the remediator added included. */
  targets(): Promise<StackTarget[]>;
  /** Starts a service's replicas again that are down (the no-heal rollback); false when none was, or they are not ours. */
  restartIfDown(service: string): Promise<boolean>;
  /** Ends or removes everything the fleet started. */
  stop(): Promise<void>;
}

/**
 * How long the stack keeps a replica a scale-out added (remediator `scaleOutHoldSeconds`, 900 s by
 * default): long enough for the verification (120 s at most) and a single
 * experiment's recovery to end, short enough that the same service's next fault a few minutes later
 * finds its replicas given back, not `at_max_replicas`.
 */
export const SCALE_OUT_HOLD_SECONDS = 180;

/** What the remediator acts on the fleet with: its actuator's config section and the policy rules' target. */
export interface FleetActuator {
  /** Top-level keys of remediator.yml, e.g. `{ process: {...} }` or `{ docker: {...} }`. */
  config: Record<string, unknown>;
  target: Record<string, unknown>;
}

/** What a fleet gets from the stack starting it. */
export interface FleetContext {
  /** Where configs and logs go. */
  dir: string;
  adminToken: string;
  /**
   * Environment of every demo service process or container: the admin token, and with a detector
   * in the stack, where to export traces (its OTLP receiver learns the call graph from them).
   */
  serviceEnv: Record<string, string>;
  ports: PortPool;
  /** With heal on, the remediator's actuator may own the backends (the process actuator starts them). */
  heal: boolean;
  /** Replicas per backend service at the start. */
  replicas: number;
  /** The remediator's `scaleOutHoldSeconds` for the fleet's actuator. */
  scaleOutHoldSeconds: number;
  log: (msg: string) => void;
}

/**
 * A fleet whose ports are chosen but which is not started yet: the stack writes the remediator's
 * config from `actuator` and starts the remediator first, because the process actuator starts the
 * backends itself.
 */
export interface FleetPlan {
  actuator: FleetActuator;
  start(): Promise<Fleet>;
}
