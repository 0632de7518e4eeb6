import { z } from 'zod';
import { ActionKind } from '@homeostat/contracts';

/**
 * A chaos experiment, declarative in the spirit of Chaos Toolkit: a steady-state hypothesis
 * (probes with tolerances) checked before and after, a method (load + one fault injection with a
 * duration), rollbacks that always run, and the healing Homeostat is expected to perform.
 */

export const ScenarioName = z.enum([
  'cpu-spike',
  'memory-leak',
  'latency',
  'packet-loss',
  'crash',
  'pool-exhaustion',
  'disk',
  'error-spike',
]);
export type ScenarioName = z.infer<typeof ScenarioName>;

/** Faults of the demo admin API (docs/architecture.md); packet-loss exists on the backends and the gateway. */
export const FaultName = z.enum(['cpu', 'memory-leak', 'latency', 'crash', 'pool-exhaustion', 'disk', 'errors', 'packet-loss']);
export type FaultName = z.infer<typeof FaultName>;

export const LoadProfileName = z.enum(['normal', 'stress', 'spike']);
export type LoadProfileName = z.infer<typeof LoadProfileName>;

/** A tolerance a probe value must stay within; at least one bound. */
export const Tolerance = z
  .object({
    min: z.number().optional(),
    max: z.number().optional(),
    /**
     * Raises `max` to this multiple of the value measured at the steady-state check before the
     * injection, when that is higher: on a busy machine the baseline itself may sit near `max`.
     */
    baselineFactor: z.number().min(1).max(100).optional(),
  })
  .strict()
  .refine((t) => t.min !== undefined || t.max !== undefined, { message: 'give min, max or both' });
export type Tolerance = z.infer<typeof Tolerance>;

/**
 * Probes read a user-visible figure: from the load generator (`source: load`, the last
 * `windowSeconds`) or a PromQL query (`source: prometheus`; `$service` is replaced by the target).
 */
export const Probe = z.discriminatedUnion('source', [
  z
    .object({
      name: z.string().min(1),
      source: z.literal('load'),
      metric: z.enum(['error_ratio', 'latency_p95_ms', 'latency_p99_ms', 'availability']),
      windowSeconds: z.number().int().positive().default(5),
      tolerance: Tolerance,
    })
    .strict(),
  z
    .object({
      name: z.string().min(1),
      source: z.literal('prometheus'),
      query: z.string().min(1),
      tolerance: Tolerance,
    })
    .strict(),
]);
export type Probe = z.infer<typeof Probe>;

export const Experiment = z
  .object({
    version: z.literal(1),
    name: ScenarioName,
    title: z.string().min(1),
    description: z.string().default(''),
    /** The demo service the fault is injected into (a backend; `gateway` takes packet loss only). */
    target: z.object({ service: z.string().min(1) }).strict(),
    steadyStateHypothesis: z
      .object({
        title: z.string().min(1),
        probes: z.array(Probe).min(1),
      })
      .strict(),
    method: z
      .object({
        load: z
          .object({
            profile: LoadProfileName.default('normal'),
            /** Overrides the profile's base rate (requests per second). */
            rps: z.number().int().positive().max(2000).optional(),
          })
          .strict(),
        warmupSeconds: z.number().int().min(0).max(3600),
        injection: z
          .object({
            fault: FaultName,
            /** Passed as the admin API body, e.g. `{ percent: 90 }`. */
            params: z.record(z.string(), z.unknown()).default({}),
            durationSeconds: z.number().int().positive().max(3600),
          })
          .strict(),
        recoverySeconds: z.number().int().min(0).max(3600),
      })
      .strict(),
    rollbacks: z
      .array(
        z
          .object({
            /** clear-fault: DELETE the fault; restart: start the target's process again if it is down. */
            action: z.enum(['clear-fault', 'restart']),
          })
          .strict(),
      )
      .min(1),
    /**
     * What counts as healed. `healedWhen: action` (default): an action of one of `actions` on the
     * faulted service succeeded, did not fail verification, and users saw the steady state back within
     * `withinSeconds` of the injection. `healedWhen: within-slo`: the right answer is to do nothing —
     * no action on any service, and users' availability over the fault window stayed >= `sloAvailability`.
     */
    expectedHealing: z
      .object({
        healedWhen: z.enum(['action', 'within-slo']).default('action'),
        actions: z.array(ActionKind).default([]),
        /** Healing counts as successful when the steady state is back within this many seconds of injection. */
        withinSeconds: z.number().int().positive(),
        /** Share of requests answered 2xx/3xx in time over the fault window (+grace), for `within-slo`. */
        sloAvailability: z.number().min(0).max(1).default(0.99),
      })
      .strict()
      .refine((h) => h.healedWhen === 'within-slo' || h.actions.length > 0, {
        message: 'give the expected actions, or healedWhen: within-slo',
        path: ['actions'],
      }),
    /**
     * How a seeded campaign varies this scenario: where it may strike (`backends`: any backend of
     * the fleet; `gateway`: the gateway's own client-side packet loss) and the range each numeric injection param
     * is drawn from (the fixed `params` are the defaults for what is not listed).
     */
    campaign: z
      .object({
        targets: z.enum(['backends', 'gateway']).default('backends'),
        intensity: z.record(z.string(), z.object({ min: z.number(), max: z.number() }).strict().refine((r) => r.max >= r.min, { message: 'max < min' })).default({}),
      })
      .strict()
      .default({ targets: 'backends', intensity: {} }),
    /** The metric the fault must move (PromQL on the fleet; `$service` is replaced). */
    impact: z
      .object({
        query: z.string().min(1),
        direction: z.enum(['up', 'down']),
      })
      .strict(),
  })
  .strict();
export type Experiment = z.infer<typeof Experiment>;
