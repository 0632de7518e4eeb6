import type { ActuatorKind, ApiCall, Labels, Target } from '@homeostat/contracts';
import type { Logger } from 'pino';
import type { ActRequest, Actuator } from '../actuators/actuator';
import type { Metrics } from '../metrics';
import { decide, type Decision, type TargetSnapshot } from '../policy/decide';
import { matchRule, resolveTarget, targetKey } from '../policy/match';
import type { Policy, Rule } from '../policy/policy-schema';
import type { AmSilence } from '../sinks/am-silence';
import type { AuditSqlite } from '../sinks/audit-sqlite';
import type { PrometheusClient } from './prometheus-client';
import { verifyRecovery } from './verifier';

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * What one ladder step uses of the remediator, and nothing more: the Engine passes its own
 * dependencies (a superset), so this module never needs to know the Engine.
 */
export interface LadderStepDeps {
  store: Pick<
    AuditSqlite,
    | 'incidentRow'
    | 'setIncident'
    | 'lastActionAt'
    | 'actionTimes'
    | 'attempts'
    | 'inFlight'
    | 'startAction'
    | 'finishAction'
    | 'verifyAction'
    | 'healIncident'
  >;
  policy: Policy;
  actuators: Partial<Record<ActuatorKind, Actuator>>;
  metrics: Pick<Metrics, 'cooldownRemaining' | 'budgetRemaining' | 'actions' | 'verifications' | 'mttr'>;
  log: Pick<Logger, 'info' | 'warn'>;
  prometheus: PrometheusClient | null;
  silence: Pick<AmSilence, 'write' | 'expire'> | null;
  isLeader: () => boolean;
}

export interface LadderContext {
  /** Incidents a human approved (their approval-required steps may run). */
  approved: Set<string>;
  /** Aborted on shutdown: waits end early, verification resumes after restart. */
  signal: AbortSignal;
  apiKillSwitch: () => boolean;
}

/**
 * One rung of an incident's escalation ladder: decide with the guard state from the audit store,
 * snapshot the target, act (or record the dry-run call / the pending approval), verify, and undo
 * on failure. The Engine schedules these; this class never runs two for one incident.
 */
export class LadderStep {
  constructor(
    private readonly d: LadderStepDeps,
    private readonly ctx: LadderContext,
  ) {}

  decideNow(
    incidentId: string,
    labels: Labels,
    step: number,
    snapshot: TargetSnapshot | undefined,
    resolved = this.d.store.incidentRow(incidentId)?.resolvedAt != null,
  ): Decision {
    const now = Date.now();
    const annotations = this.d.store.incidentRow(incidentId)?.annotations ?? {};
    return decide({
      policy: this.d.policy,
      alert: { status: resolved ? 'resolved' : 'firing', labels, annotations },
      step,
      now,
      killSwitch: this.ctx.apiKillSwitch(),
      isLeader: this.d.isLeader(),
      state: this.state(incidentId, now),
      ...(snapshot ? { snapshot } : {}),
    });
  }

  recordSkip(
    incidentId: string,
    step: number,
    decision: Decision & { kind: 'skip' },
    jobSeq: number | null,
  ): void {
    this.record(incidentId, step, decision, 'skipped', null, jobSeq);
    if (decision.code === 'ladder_exhausted' || decision.code === 'max_attempts') {
      this.d.store.setIncident(incidentId, 'escalated', step, { why: decision.reason });
    }
  }

  private state(incidentId: string, now: number) {
    return (rule: Rule, target: Target) => {
      const key = targetKey(target);
      const st = {
        lastActionAt: this.d.store.lastActionAt(rule.name, key),
        actionTimes: this.d.store.actionTimes(rule.name, now - rule.budget.windowSeconds * 1000),
        attempts: this.d.store.attempts(incidentId),
        inFlight: this.d.store.inFlight(rule.name, key),
      };
      // Export the guard state decide() is about to read (as of before this decision).
      const cooldownLeft =
        st.lastActionAt === null
          ? 0
          : Math.max(0, (st.lastActionAt + rule.cooldownSeconds * 1000 - now) / 1000);
      this.d.metrics.cooldownRemaining.set({ rule: rule.name, target: key }, cooldownLeft);
      this.d.metrics.budgetRemaining.set(
        { rule: rule.name },
        Math.max(0, rule.budget.maxActions - st.actionTimes.length),
      );
      return st;
    };
  }

  /** One ladder step: decide, then act and verify. 'escalate' means: try the next step. */
  async run(
    incidentId: string,
    labels: Labels,
    step: number,
    jobSeq: number | null,
  ): Promise<'done' | 'escalate'> {
    const { store, policy } = this.d;
    const rule = matchRule(policy, labels, store.incidentRow(incidentId)?.annotations ?? {});
    const target = rule ? resolveTarget(rule, labels) : null;
    const actuator = target ? this.d.actuators[target.actuator] : undefined;
    let decision: Decision | null = null;
    let snapshot: TargetSnapshot | undefined;
    for (let tries = 0; ; tries++) {
      const now = Date.now();
      decision = this.decideNow(incidentId, labels, step, snapshot);
      // Only read the target when the policy would act on it; a kill switch means no calls at all.
      if (
        decision.kind === 'act' ||
        decision.code === 'replicas_unknown' ||
        decision.code === 'blast_radius'
      ) {
        if (snapshot === undefined && actuator && target && decision.action !== 'notify') {
          try {
            snapshot = await actuator.snapshot(target);
          } catch (e) {
            this.record(incidentId, step, decision, 'failed', `snapshot failed: ${errText(e)}`, jobSeq);
            return 'escalate';
          }
          continue;
        }
      }
      // Escalating into a cooldown waits it out once instead of giving up on the incident.
      if (
        decision.kind === 'skip' &&
        decision.code === 'cooldown' &&
        jobSeq === null &&
        tries === 0 &&
        rule
      ) {
        const last = store.lastActionAt(rule.name, target ? targetKey(target) : '') ?? now;
        await this.sleep(Math.max(0, last + rule.cooldownSeconds * 1000 - now + 10));
        continue;
      }
      break;
    }
    if (decision.kind === 'skip') {
      this.recordSkip(incidentId, step, decision, jobSeq);
      return 'done';
    }
    if (decision.approvalRequired && !this.ctx.approved.has(incidentId)) {
      this.record(incidentId, step, decision, 'pending_approval', null, jobSeq);
      return 'done';
    }
    if (decision.action === 'notify') {
      this.record(incidentId, step, decision, 'succeeded', null, jobSeq);
      store.setIncident(incidentId, 'escalated', step, { why: 'ladder reached notify' });
      return 'done';
    }
    if (!actuator || !rule) {
      this.record(
        incidentId,
        step,
        decision,
        'failed',
        `no ${decision.target.actuator} actuator configured`,
        jobSeq,
      );
      return 'escalate';
    }
    const req: ActRequest = {
      action: decision.action,
      target: decision.target,
      params: decision.params,
      labels,
      incidentId,
      ...(decision.desiredReplicas !== undefined ? { desiredReplicas: decision.desiredReplicas } : {}),
    };
    const before = snapshot ?? {};
    let plan;
    try {
      plan = await actuator.plan(req, before);
    } catch (e) {
      this.record(incidentId, step, decision, 'failed', `plan failed: ${errText(e)}`, jobSeq, before);
      return 'escalate';
    }
    if (decision.dryRun) {
      this.record(incidentId, step, decision, 'dry_run', null, jobSeq, before, plan.apiCall);
      return 'done';
    }
    const started = Date.now();
    const actionId = store.startAction(
      {
        incidentId,
        action: decision.action,
        step,
        rule: decision.rule,
        reason: decision.reason,
        target: decision.target,
        targetKey: targetKey(decision.target),
        apiCall: plan.apiCall,
        before,
        result: 'succeeded',
        verification: 'pending',
        phase: 'started',
        service: labels.service ?? null,
      },
      started,
      jobSeq,
    );
    store.setIncident(incidentId, 'healing', step, { action: decision.action });
    const silenceId =
      this.d.silence && policy.silenceWhileHealing
        ? await this.d.silence.write(
            labels,
            rule.verify.timeoutSeconds + 60,
            `homeostat healing: ${decision.action} (${decision.rule})`,
          )
        : null;
    let after: TargetSnapshot;
    try {
      after = await plan.run();
    } catch (e) {
      store.finishAction(
        actionId,
        { after: null, result: 'failed', error: errText(e), verification: 'not_applicable' },
        Date.now(),
      );
      this.d.metrics.actions.inc({ action: decision.action, result: 'failed' });
      if (silenceId) await this.d.silence?.expire(silenceId);
      return 'escalate';
    }
    store.finishAction(
      actionId,
      { after, result: 'succeeded', error: null, verification: 'pending' },
      Date.now(),
    );
    this.d.metrics.actions.inc({ action: decision.action, result: 'succeeded' });
    this.d.log.info(
      { incidentId, action: decision.action, target: decision.target, ms: Date.now() - started },
      'action taken',
    );
    const passed = await this.verifyAndClose(
      rule,
      labels,
      incidentId,
      actionId,
      step,
      decision.target,
      decision.action,
      before,
      after,
      silenceId,
    );
    return passed ? 'done' : 'escalate';
  }

  async verifyAndClose(
    rule: Rule,
    labels: Labels,
    incidentId: string,
    actionId: string,
    step: number,
    target: Target,
    action: ActRequest['action'],
    before: TargetSnapshot,
    after: TargetSnapshot,
    silenceId: string | null,
  ): Promise<boolean> {
    const { store } = this.d;
    const out = await verifyRecovery(rule.verify, labels, {
      prometheus: this.d.prometheus,
      resolvedByWebhook: () => store.incidentRow(incidentId)?.resolvedAt != null,
      signal: this.ctx.signal,
      sleep: (ms) => this.sleep(ms),
    });
    if (this.ctx.signal.aborted) return true; // shutting down: recover() resumes it on restart
    const now = Date.now();
    this.d.metrics.verifications.inc({ result: out.passed ? 'passed' : 'failed' });
    if (silenceId) await this.d.silence?.expire(silenceId);
    if (out.passed) {
      store.verifyAction(actionId, 'passed', now, null, out.detail);
      const mttr = store.healIncident(incidentId, now);
      if (mttr !== null) this.d.metrics.mttr.observe(mttr);
      return true;
    }
    const actuator = this.d.actuators[target.actuator];
    let undoCall = null;
    let undoError: string | null = null;
    try {
      undoCall = actuator
        ? await actuator.undo({ action, target, params: {}, labels, incidentId }, before, after)
        : null;
    } catch (e) {
      undoError = errText(e);
    }
    store.verifyAction(actionId, 'failed', now, undoCall ? 'rolled_back' : null, {
      ...out.detail,
      undo: undoCall,
      undoError,
    });
    if (undoCall) this.d.metrics.actions.inc({ action, result: 'rolled_back' });
    this.d.log.warn(
      { incidentId, action, detail: out.detail, undo: undoCall, undoError },
      'verification failed',
    );
    return false;
  }

  private record(
    incidentId: string,
    step: number,
    d: Decision,
    result: 'skipped' | 'failed' | 'pending_approval' | 'dry_run' | 'succeeded',
    error: string | null,
    jobSeq: number | null,
    before: TargetSnapshot | null = null,
    apiCall: ApiCall | null = null,
  ): void {
    // No ladder step applies (no rule, ladder exhausted): the record is about paging humans.
    const action = d.action ?? 'notify';
    const reason = d.kind === 'skip' ? `${d.code}: ${d.reason}` : d.reason;
    this.d.store.startAction(
      {
        incidentId,
        action,
        step,
        rule: d.rule,
        reason,
        target: d.target,
        targetKey: d.target ? targetKey(d.target) : null,
        apiCall,
        before,
        result,
        verification: 'not_applicable',
        phase: 'done',
        error,
        service: d.service,
      },
      Date.now(),
      jobSeq,
    );
    this.d.metrics.actions.inc({ action, result });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.ctx.signal;
      if (signal.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
