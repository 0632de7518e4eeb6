import { z } from 'zod';
import type { ActionKind } from '@homeostat/contracts';

/**
 * Parameters of each ladder action, validated when the policy loads (so a typo stops start-up
 * instead of surfacing at 3 a.m.). Every actuator reads the same shapes.
 */
export const ActionParams = {
  restart: z.strictObject({
    graceSeconds: z.number().int().min(0).max(600).default(10),
    /**
     * Process groups: a PromQL template ranking the replicas (one series per `instance`, larger is
     * worse) so a roll over the whole service replaces the worst first (actuators/replica-rank.ts).
     */
    worstFirst: z.string().min(1).optional(),
  }),
  scale_out: z.strictObject({ by: z.number().int().min(1).max(20).default(1) }),
  scale_in: z.strictObject({ by: z.number().int().min(1).max(20).default(1) }),
  isolate: z.strictObject({
    /** Kubernetes: the pod label the Service selects on, rewritten to take the pod out of traffic. */
    label: z.string().default('homeostat.io/traffic'),
    value: z.string().default('isolated'),
  }),
  shift_traffic: z.strictObject({
    /** Weight (0..1) left on the target instance; the rest goes to its siblings. */
    weight: z.number().min(0).max(1).default(0.1),
    /** Kubernetes: the Service whose selector moves traffic (default: the target's name). */
    service: z.string().optional(),
    /** Kubernetes: labels merged into the Service selector (e.g. { track: stable }). */
    selector: z.record(z.string(), z.string()).optional(),
  }),
  cache_enable: z.strictObject({
    enabled: z.boolean().default(true),
    /** Kubernetes: ConfigMap holding the toggle (default `<target>-homeostat`) and its key. */
    configMap: z.string().optional(),
    key: z.string().default('CACHE_ENABLED'),
  }),
  stop: z.strictObject({ graceSeconds: z.number().int().min(0).max(600).default(10) }),
  notify: z.strictObject({ message: z.string().default('remediation exhausted; paging humans') }),
} as const satisfies Record<ActionKind, z.ZodType>;

export type ParamsOf<A extends ActionKind> = z.infer<(typeof ActionParams)[A]>;
export type AnyActionParams = { [A in ActionKind]: ParamsOf<A> }[ActionKind];
