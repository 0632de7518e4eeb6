import type { Target } from '@homeostat/contracts';
import type { TargetSnapshot } from '../policy/decide';
import type { AdminClient } from './process-admin-client';
import type { ProcessGroup } from './process-group';
import type { InstantQuery } from './replica-rank';
import type { ReplicaSupervisor } from './process-supervisor';
import type { ScaleOutHold } from './scale-out-hold';

/**
 * What the process actuator's plans, undos and give-backs act through: one per actuator, built by
 * ProcessActuator, so those parts share its supervisor, gateway client, hold and drain.
 */
export interface ProcessCalls {
  sup: ReplicaSupervisor;
  admin: AdminClient;
  /** The gateway's base URL as recorded in API calls ('' without a gateway). */
  gatewayUrl: string;
  /** Bearer token for backends' /admin endpoints (cache toggle). */
  adminToken: string | undefined;
  hold: ScaleOutHold | null;
  snapshot(target: Target): Promise<TargetSnapshot>;
  freePorts(g: ProcessGroup, n: number): Promise<number[]>;
  /** Waits between a replica leaving the gateway and its stop (see ProcessActuator.drain). */
  drain(): Promise<void>;
  /** Prometheus, for a restart step's `worstFirst` ranking (replica-rank.ts); absent without one. */
  query?: InstantQuery;
}
