import type { ActionKind, AlertStatus, Labels, Target } from '@homeostat/contracts';
import type { Policy, Rule } from './policy-schema';
import { isAllowed, matchRule, resolveTarget, targetKey } from './match';

/** Why an alert was not acted on. Closed set: the audit log and metrics group by it. */
export const SkipCode = [
  'not_firing',
  'no_rule',
  'kill_switch',
  'follower',
  'target_unresolved',
  'not_allowed',
  'symptom',
  'in_flight',
  'cooldown',
  'budget',
  'max_attempts',
  'ladder_exhausted',
  'blast_radius',
  'replicas_unknown',
  'at_max_replicas',
  'at_min_replicas',
] as const;
export type SkipCode = (typeof SkipCode)[number];

/** What the engine knows about a rule and target when it decides; gathered from the audit store. */
export interface RuleState {
  /** When any rule last acted on this target (ms), null if never: the cooldown is the target's. */
  lastActionAt: number | null;
  /** Start times (ms) of this rule's actions; the budget counts those inside the window. */
  actionTimes: number[];
  /** Ladder steps this incident has already taken. */
  attempts: number;
  /** Other targets this rule is acting on right now (for the blast radius). */
  inFlight: number;
  /** The incident whose action holds this target right now (any rule), null when free. */
  heldBy: string | null;
}

/** The target's observable state before acting (from the actuator). */
export interface TargetSnapshot {
  replicas?: number;
  [key: string]: unknown;
}

export interface DecideInput {
  policy: Policy;
  /** `annotations` take part in matching only (see matchValue): e.g. the `top_feature` annotation. */
  alert: { status: AlertStatus; labels: Labels; annotations?: Labels };
  /** Ladder position the incident is at (0 first, +1 after a failed verification). */
  step: number;
  now: number;
  /** The API kill switch (the config one is `policy.killSwitch`). */
  killSwitch: boolean;
  isLeader: boolean;
  state: (rule: Rule, target: Target) => RuleState;
  /**
   * The target as read before acting. Absent = not read yet: the checks that need it (replica
   * bounds, share isolated) are left for the decision made once it has been read.
   */
  snapshot?: TargetSnapshot;
}

interface Base {
  /** The alert's `service` label, kept on the record so the API can filter by it. */
  service: string | null;
  rule: string | null;
  step: number;
  action: ActionKind | null;
  target: Target | null;
  reason: string;
}
export type Decision =
  | (Base & { kind: 'skip'; code: SkipCode })
  | (Base & {
      kind: 'act';
      action: ActionKind;
      target: Target;
      rule: string;
      params: Record<string, unknown>;
      dryRun: boolean;
      approvalRequired: boolean;
      /** For scale actions: the replica count to set, already clamped to [min, max]. */
      desiredReplicas?: number;
    });

/**
 * Pure: the same input gives the same Decision. Every guard that can say no is checked here, in an
 * order that reports the most useful reason first (kill switch before cooldown, and so on).
 */
export function decide(input: DecideInput): Decision {
  const { policy, alert, step, now } = input;
  const skip = (code: SkipCode, reason: string, extra: Partial<Base> = {}): Decision => ({
    kind: 'skip',
    code,
    reason,
    service: alert.labels.service ?? null,
    rule: null,
    step,
    action: null,
    target: null,
    ...extra,
  });
  if (alert.status !== 'firing')
    return skip('not_firing', 'alert is resolved; resolved alerts are never acted on');
  const rule = matchRule(policy, alert.labels, alert.annotations);
  if (!rule) return skip('no_rule', 'no policy rule matches the alert labels');
  const target = resolveTarget(rule, alert.labels);
  const action = rule.ladder[step]?.action ?? null;
  const ctx = { rule: rule.name, action, target };
  if (policy.killSwitch || input.killSwitch) {
    return skip('kill_switch', `kill switch engaged (${policy.killSwitch ? 'config' : 'API'})`, ctx);
  }
  if (!target)
    return skip('target_unresolved', `labels do not resolve target template ${rule.target.name}`, ctx);
  // The detector ranked another entity as this incident's cause (the `root_cause` annotation of the
  // shipped rules): acting here would treat a symptom. Its own alert gets the action. Checked before
  // the allow-list: "downstream symptom of X" tells the operator where the fault is, "not allowed"
  // only that this target would not have been acted on anyway.
  const cause = alert.annotations?.root_cause?.trim();
  if (cause && !rule.actOnSymptoms && !namesEntity(alert.labels, cause)) {
    return skip(
      'symptom',
      `downstream symptom of ${cause}: the detector ranked ${cause} as the root cause`,
      ctx,
    );
  }
  if (!isAllowed(rule, target))
    return skip('not_allowed', `target ${target.name} is not in rule ${rule.name}'s allow-list`, ctx);
  if (!input.isLeader) return skip('follower', 'this replica is not the leader; recorded only', ctx);
  const ladderStep = rule.ladder[step];
  if (!ladderStep) return skip('ladder_exhausted', `all ${rule.ladder.length} ladder steps tried`, ctx);
  const st = input.state(rule, target);
  if (st.attempts >= rule.maxAttempts)
    return skip('max_attempts', `${st.attempts} of ${rule.maxAttempts} attempts used`, ctx);
  if (st.heldBy !== null) {
    return skip('in_flight', `${targetKey(target)} is being acted on for incident ${st.heldBy}`, ctx);
  }
  if (st.lastActionAt !== null) {
    const left = st.lastActionAt + rule.cooldownSeconds * 1000 - now;
    if (left > 0) {
      return skip(
        'cooldown',
        `cooldown ${rule.cooldownSeconds}s on ${targetKey(target)}: ${Math.ceil(left / 1000)}s left`,
        ctx,
      );
    }
  }
  const windowStart = now - rule.budget.windowSeconds * 1000;
  const used = st.actionTimes.filter((t) => t > windowStart && t <= now).length;
  if (used >= rule.budget.maxActions) {
    return skip(
      'budget',
      `budget ${rule.budget.maxActions} actions per ${rule.budget.windowSeconds}s used (${used})`,
      ctx,
    );
  }
  if (st.inFlight >= rule.blastRadius.maxTargets) {
    return skip(
      'blast_radius',
      `${st.inFlight} target(s) in flight, max ${rule.blastRadius.maxTargets}`,
      ctx,
    );
  }
  const replicas = input.snapshot?.replicas;
  let desiredReplicas: number | undefined;
  const a = ladderStep.action;
  const read = input.snapshot !== undefined;
  if (read && (a === 'scale_out' || a === 'scale_in')) {
    if (replicas === undefined)
      return skip('replicas_unknown', 'current replica count unknown; not scaling blind', ctx);
    const by = Number(ladderStep.params.by ?? 1);
    if (a === 'scale_out') {
      if (replicas >= rule.replicas.max)
        return skip('at_max_replicas', `${replicas} replicas, max ${rule.replicas.max}`, ctx);
      desiredReplicas = Math.min(replicas + by, rule.replicas.max);
    } else {
      if (replicas <= rule.replicas.min)
        return skip('at_min_replicas', `${replicas} replicas, min ${rule.replicas.min}`, ctx);
      desiredReplicas = Math.max(replicas - by, rule.replicas.min);
    }
  }
  if (read && (a === 'isolate' || a === 'stop')) {
    // Taking one instance out must never exceed the share allowed, and never removes the last one.
    const n = replicas ?? 1;
    if (n <= 1 || 100 / n > rule.blastRadius.maxPercent) {
      return skip('blast_radius', `${a} of 1 of ${n} replicas exceeds ${rule.blastRadius.maxPercent}%`, ctx);
    }
  }
  const reason =
    `rule ${rule.name} step ${step} (${a}); cooldown ${rule.cooldownSeconds}s clear; ` +
    `budget ${used + 1}/${rule.budget.maxActions} per ${rule.budget.windowSeconds}s; attempt ${st.attempts + 1}/${rule.maxAttempts}` +
    (desiredReplicas !== undefined ? `; replicas ${replicas} -> ${desiredReplicas}` : '') +
    (rule.dryRun ? '; dry-run' : '') +
    (rule.approvalRequired ? '; approval required' : '');
  return {
    kind: 'act',
    service: alert.labels.service ?? null,
    rule: rule.name,
    step,
    action: a,
    target,
    params: ladderStep.params,
    dryRun: rule.dryRun,
    approvalRequired: rule.approvalRequired,
    reason,
    ...(desiredReplicas !== undefined ? { desiredReplicas } : {}),
  };
}

/** Labels that say what kind of alert it is, never which entity it is about. */
const NOT_ENTITY = new Set(['alertname', 'severity', 'remediate', 'detector']);

/** Whether the root cause the detector names is this alert's own entity (one of its identity labels). */
function namesEntity(labels: Labels, cause: string): boolean {
  return Object.entries(labels).some(([k, v]) => !NOT_ENTITY.has(k) && v === cause);
}
