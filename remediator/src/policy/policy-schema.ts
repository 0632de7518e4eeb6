import { z } from 'zod';
import { ActionKind, ActuatorKind } from '@homeostat/contracts';

/** One rung of an escalation ladder: an action and its (action-specific) parameters. */
export const LadderStep = z.strictObject({
  action: ActionKind,
  params: z.record(z.string(), z.unknown()).default({}),
});
export type LadderStep = z.infer<typeof LadderStep>;

/**
 * How the target is read from the alert's labels. `{{label}}` is replaced by the label's value;
 * a missing label makes the target unresolved (the alert is recorded and skipped).
 */
export const TargetTemplate = z.strictObject({
  actuator: ActuatorKind,
  /** deployment, pod, compose-service, container, process-group */
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional(),
});
export type TargetTemplate = z.infer<typeof TargetTemplate>;

export const Budget = z.strictObject({
  maxActions: z.number().int().min(0),
  windowSeconds: z.number().int().min(1),
});

const VerifyFields = {
  /** The action must be verified within this many seconds, else it is undone. */
  timeoutSeconds: z.number().min(1),
  /** homeostat_anomaly_score must stay below 1 this long once the alert resolved. */
  stableSeconds: z.number().min(0),
  /** Poll interval of the post-condition. */
  intervalSeconds: z.number().min(0.1),
  /** Require the alert itself to resolve (the resolved webhook, or gone from Alertmanager / ALERTS). */
  requireResolved: z.boolean(),
  /** PromQL for the entity's score; `{{label}}` templates from the alert. Empty = no score check. */
  scoreQuery: z.string(),
  /**
   * A score older than this is not evidence: the newest sample of the query's first series
   * selector must be at most this old, else the check cannot read (neither passes nor fails).
   */
  scoreMaxAgeSeconds: z.number().min(1),
};

export const Verify = z.strictObject({
  timeoutSeconds: VerifyFields.timeoutSeconds.default(300),
  stableSeconds: VerifyFields.stableSeconds.default(30),
  intervalSeconds: VerifyFields.intervalSeconds.default(5),
  requireResolved: VerifyFields.requireResolved.default(true),
  scoreQuery: VerifyFields.scoreQuery.default('max(homeostat_anomaly_score{service="{{service}}"})'),
  scoreMaxAgeSeconds: VerifyFields.scoreMaxAgeSeconds.default(120),
});
/**
 * A rule's `verify:` names only what differs from `defaults.verify`: no built-in defaults here, so
 * the fields it leaves out keep the policy's defaults instead of being reset to the built-in ones.
 */
export const VerifyOverride = z.strictObject(VerifyFields).partial();
export type Verify = z.infer<typeof Verify>;

const RuleFields = {
  cooldownSeconds: z.number().min(0),
  /** Ladder steps one incident may take in total (successful or not). */
  maxAttempts: z.number().int().min(1),
  budget: Budget,
  blastRadius: z.strictObject({
    /** Targets this rule may act on at the same time. */
    maxTargets: z.number().int().min(1).default(1),
    /** Share of a workload's replicas that may be isolated/stopped at once. */
    maxPercent: z.number().min(0).max(100).default(50),
  }),
  replicas: z.strictObject({
    min: z.number().int().min(0).default(1),
    max: z.number().int().min(1).default(5),
  }),
  dryRun: z.boolean(),
  approvalRequired: z.boolean(),
  /** A pending approval not given within this many seconds expires: the incident goes to humans. */
  approvalTimeoutSeconds: z.number().min(1),
  /**
   * Act on an alert whose `root_cause` annotation names another entity (a downstream symptom of
   * that entity's fault). Off: the symptom is recorded as skipped and the cause's own alert acts.
   */
  actOnSymptoms: z.boolean(),
  verify: Verify,
};

export const Defaults = z.strictObject({
  cooldownSeconds: RuleFields.cooldownSeconds.default(60),
  maxAttempts: RuleFields.maxAttempts.default(3),
  budget: Budget.default({ maxActions: 20, windowSeconds: 3600 }),
  blastRadius: RuleFields.blastRadius.default({ maxTargets: 1, maxPercent: 50 }),
  replicas: RuleFields.replicas.default({ min: 1, max: 5 }),
  dryRun: z.boolean().default(false),
  approvalRequired: z.boolean().default(false),
  approvalTimeoutSeconds: RuleFields.approvalTimeoutSeconds.default(3600),
  actOnSymptoms: z.boolean().default(false),
  verify: Verify.default(Verify.parse({})),
});
export type Defaults = z.infer<typeof Defaults>;

export const RuleInput = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lowercase name: letters, digits, . _ -'),
  /** Exact label values the alert must carry (alertname, service, severity, top_feature...). */
  match: z
    .record(z.string(), z.string())
    .refine((m) => Object.keys(m).length > 0, 'match at least one label'),
  /** Labels whose value must match a regular expression (anchored). */
  matchRe: z.record(z.string(), z.string()).default({}),
  target: TargetTemplate,
  /** Target names this rule may touch; `*` matches any run of characters. Never empty. */
  allow: z.array(z.string().min(1)).min(1),
  ladder: z.array(LadderStep).min(1),
  cooldownSeconds: RuleFields.cooldownSeconds.optional(),
  maxAttempts: RuleFields.maxAttempts.optional(),
  budget: Budget.optional(),
  blastRadius: RuleFields.blastRadius.optional(),
  replicas: RuleFields.replicas.optional(),
  dryRun: z.boolean().optional(),
  approvalRequired: z.boolean().optional(),
  approvalTimeoutSeconds: RuleFields.approvalTimeoutSeconds.optional(),
  actOnSymptoms: z.boolean().optional(),
  verify: VerifyOverride.optional(),
});
export type RuleInput = z.infer<typeof RuleInput>;

export const PolicyInput = z.strictObject({
  /** Global kill switch from config; the API can engage it too. Either one stops every action. */
  killSwitch: z.boolean().default(false),
  /** Silence the alert in Alertmanager (API v2) while an action is being verified. */
  silenceWhileHealing: z.boolean().default(false),
  defaults: Defaults.default(Defaults.parse({})),
  rules: z.array(RuleInput).min(1),
});

/** A rule with defaults applied: what decide() works on. */
export interface Rule {
  name: string;
  match: Record<string, string>;
  matchRe: Record<string, RegExp>;
  target: TargetTemplate;
  allow: string[];
  ladder: LadderStep[];
  cooldownSeconds: number;
  maxAttempts: number;
  budget: z.infer<typeof Budget>;
  blastRadius: { maxTargets: number; maxPercent: number };
  replicas: { min: number; max: number };
  dryRun: boolean;
  approvalRequired: boolean;
  approvalTimeoutSeconds: number;
  actOnSymptoms: boolean;
  verify: Verify;
}

export interface Policy {
  killSwitch: boolean;
  silenceWhileHealing: boolean;
  rules: Rule[];
}
