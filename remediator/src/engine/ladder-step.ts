import type { ApiCall, Labels } from '@homeostat/contracts';
import type { ActRequest } from '../actuators/actuator';
import { decide, type Decision, type RuleState, type TargetSnapshot } from '../policy/decide';
import { targetKey } from '../policy/match';
import type { Rule } from '../policy/policy-schema';
import type { Claim } from '../store/claim-store';
import type { Wait } from '../store/incident-waits';
import { decisionRecord, type RecordResult } from './decision-record';
import { IncidentEnd } from './incident-end';
import type { StepContext, StepDeps } from './step-deps';
import { VerifyClose } from './verify-close';

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
type Act = Decision & { kind: 'act' };

/** A ladder step that was decided and holds its target: `act()` takes it from here. */
export interface Begun {
  incidentId: string;
  labels: Labels;
  step: number;
  jobSeq: number | null;
  decision: Act;
  rule: Rule;
  claim: Claim;
  /** The guard state the claim was decided on (the second decision, with the snapshot, reuses it). */
  state: RuleState;
}

/** Incident statuses nothing acts on any more. */
const TERMINAL = new Set(['healed', 'resolved', 'escalated', 'failed']);

/**
 * One rung of an incident's escalation ladder. `begin()` is synchronous: it decides and claims the
 * target in one transaction, or records why not and hands the incident to whatever ends its wait.
 * `act()` reads the target, re-checks the bounds, acts, and verifies (VerifyClose).
 */
export class LadderStep {
  readonly end: IncidentEnd;
  readonly verifier: VerifyClose;

  constructor(
    private readonly d: StepDeps,
    private readonly ctx: StepContext,
  ) {
    this.end = new IncidentEnd(d);
    this.verifier = new VerifyClose(d, ctx, this.end);
  }

  begin(incidentId: string, jobSeq: number | null): Begun | null {
    const { store, claims, waits, policy } = this.d;
    const inc = store.incidentRow(incidentId);
    if (!inc || inc.resolvedAt !== null || TERMINAL.has(inc.status)) {
      // Resolved: nothing to do; verification of a running action reads the resolution itself.
      if (jobSeq !== null) store.jobDone(jobSeq);
      if (inc) waits.clear(incidentId);
      return null;
    }
    waits.clear(incidentId);
    const step = inc.step;
    const approved = waits.approvedStep(incidentId) === step;
    const now = this.d.clock.now();
    const seen: { state: RuleState | null } = { state: null };
    const out = claims.decideAndClaim(incidentId, now, (guard) => {
      const decision = decide({
        policy,
        alert: { status: 'firing', labels: inc.labels, annotations: inc.annotations },
        step,
        now,
        killSwitch: this.ctx.killSwitch(),
        isLeader: this.d.isLeader(),
        state: (rule, target) =>
          (seen.state = this.exported(rule, targetKey(target), guard(rule, target), now)),
      });
      const claim =
        decision.kind === 'act' && decision.action !== 'notify' && !(decision.approvalRequired && !approved)
          ? { target: decision.target, rule: decision.rule, incidentId }
          : null;
      return { result: decision, claim };
    });
    const decision = out.result;
    if (out.lost && decision.kind === 'act') {
      // Another replica claimed the target between our read and our write (shared database).
      const lost = {
        ...decision,
        kind: 'skip' as const,
        code: 'in_flight' as const,
        reason: 'target claimed concurrently',
      };
      this.onSkip(incidentId, step, lost, jobSeq, null);
      return null;
    }
    if (decision.kind === 'skip') {
      this.onSkip(incidentId, step, decision, jobSeq, seen.state);
      return null;
    }
    if (decision.approvalRequired && !approved) {
      this.awaitApproval(incidentId, step, decision, jobSeq, now);
      return null;
    }
    if (decision.action === 'notify') {
      this.record(incidentId, step, decision, 'succeeded', null, jobSeq);
      void this.end.escalate(incidentId, step, 'notify', 'ladder reached notify');
      return null;
    }
    const rule = policy.rules.find((r) => r.name === decision.rule)!;
    return {
      incidentId,
      labels: inc.labels,
      step,
      jobSeq,
      decision,
      rule,
      claim: out.claim!,
      state: seen.state!,
    };
  }

  /**
   * Owner: the approver (POST /api/v1/actions/{id}/approve), until `approvalTimeoutSeconds` after
   * the request; then the request expires and the incident goes to humans. The alert is not
   * silenced meanwhile.
   */
  private awaitApproval(incidentId: string, step: number, d: Act, jobSeq: number | null, now: number): void {
    const rule = this.d.policy.rules.find((r) => r.name === d.rule)!;
    const asked = this.d.store
      .actionsOf(incidentId)
      .filter((a) => a.result === 'pending_approval' && a.step === step)
      .at(-1);
    const deadline = (asked?.startedAt ?? now) + rule.approvalTimeoutSeconds * 1000;
    if (asked && now >= deadline) {
      const why = `approval not given within ${rule.approvalTimeoutSeconds}s; expired`;
      this.d.store.finishAction(
        asked.id,
        { after: null, result: 'skipped', error: why, verification: 'not_applicable' },
        now,
      );
      if (jobSeq !== null) this.d.store.jobDone(jobSeq);
      void this.end.escalate(incidentId, step, 'approval_expired', why);
      return;
    }
    if (!asked) this.record(incidentId, step, d, 'pending_approval', null, jobSeq);
    else if (jobSeq !== null) this.d.store.jobDone(jobSeq);
    this.ctx.park({ incidentId, step, on: 'time', until: deadline }, 'awaiting approval');
  }

  /** Reads the target, acts and verifies. 'next': go on with the next ladder step. */
  async act(b: Begun): Promise<'next' | 'done'> {
    const { store, policy } = this.d;
    const { incidentId, labels, step, jobSeq, rule } = b;
    const actuator = this.d.actuators[b.decision.target.actuator];
    const giveBack = () => this.release(b.claim);
    if (!actuator) {
      giveBack();
      this.record(
        incidentId,
        step,
        b.decision,
        'failed',
        `no ${b.decision.target.actuator} actuator configured`,
        jobSeq,
      );
      return 'next';
    }
    let snapshot: TargetSnapshot;
    try {
      snapshot = await actuator.snapshot(b.decision.target);
    } catch (e) {
      giveBack();
      this.record(incidentId, step, b.decision, 'failed', `snapshot failed: ${errText(e)}`, jobSeq);
      return 'next';
    }
    const inc = store.incidentRow(incidentId);
    const decision = decide({
      policy,
      alert: { status: 'firing', labels, annotations: inc?.annotations ?? {} },
      step,
      now: this.d.clock.now(),
      killSwitch: this.ctx.killSwitch(),
      isLeader: this.d.isLeader(),
      state: () => ({ ...b.state, heldBy: null }), // the claim is ours
      snapshot,
    });
    if (decision.kind === 'skip') {
      giveBack();
      this.onSkip(incidentId, step, decision, jobSeq, b.state);
      // A bound of this step (max replicas, share isolated) does not hold: the next step may apply.
      return decision.code === 'kill_switch' ? 'done' : 'next';
    }
    const req: ActRequest = {
      action: decision.action,
      target: decision.target,
      params: decision.params,
      labels,
      incidentId,
      ...(decision.desiredReplicas !== undefined ? { desiredReplicas: decision.desiredReplicas } : {}),
      signal: this.ctx.signal, // an actuator waiting on its platform stops at shutdown
    };
    let plan;
    try {
      plan = await actuator.plan(req, snapshot);
    } catch (e) {
      giveBack();
      this.record(incidentId, step, decision, 'failed', `plan failed: ${errText(e)}`, jobSeq, snapshot);
      return 'next';
    }
    if (decision.dryRun) {
      giveBack();
      this.record(incidentId, step, decision, 'dry_run', null, jobSeq, snapshot, plan.apiCall);
      await this.end.escalate(
        incidentId,
        step,
        'dry_run',
        'dry-run: the call is recorded, not made; humans act',
      );
      return 'done';
    }
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
        before: snapshot,
        result: 'succeeded',
        verification: 'pending',
        phase: 'started',
        service: labels.service ?? null,
      },
      this.d.clock.now(),
      jobSeq,
    );
    this.d.claims.attach(b.claim.id, actionId);
    store.setIncident(incidentId, 'healing', step, { action: decision.action });
    const silenceId =
      this.d.silence && policy.silenceWhileHealing
        ? await this.d.silence.write(
            labels,
            rule.verify.timeoutSeconds + 60,
            `homeostat healing: ${decision.action} (${decision.rule})`,
          )
        : null;
    if (silenceId) store.setActionSilence(actionId, silenceId);
    // The last checks before the call, in the same synchronous run as the call's start: engaging
    // the switch, or losing leadership (the new leader may already act), during the awaits above
    // stops it here.
    const killed = this.ctx.killSwitch();
    const stop = killed
      ? 'kill switch engaged before the call; not made'
      : !(this.d.confirmLeader ?? this.d.isLeader)()
        ? 'leadership lost before the call; not made (the leader takes the incident over)'
        : null;
    if (stop) {
      store.finishAction(
        actionId,
        { after: null, result: 'skipped', error: stop, verification: 'not_applicable' },
        this.d.clock.now(),
      );
      giveBack();
      if (silenceId) await this.d.silence?.expire(silenceId);
      // Not leading: left open without a wait; its owner is the leader (recover() at takeover).
      if (killed) this.ctx.park({ incidentId, step, on: 'kill_switch', until: null }, 'kill switch engaged');
      return 'done';
    }
    let after: TargetSnapshot;
    try {
      after = await plan.run();
    } catch (e) {
      store.finishAction(
        actionId,
        { after: null, result: 'failed', error: errText(e), verification: 'not_applicable' },
        this.d.clock.now(),
      );
      this.d.metrics.actions.inc({ action: decision.action, result: 'failed' });
      giveBack();
      if (silenceId) await this.d.silence?.expire(silenceId);
      return 'next';
    }
    store.finishAction(
      actionId,
      { after, result: 'succeeded', error: null, verification: 'pending' },
      this.d.clock.now(),
    );
    this.d.metrics.actions.inc({ action: decision.action, result: 'succeeded' });
    this.d.log.info({ incidentId, action: decision.action, target: decision.target }, 'action taken');
    return this.verifier.run({
      rule,
      incidentId,
      actionId,
      step,
      action: decision.action,
      target: decision.target,
      labels,
      before: snapshot,
      after,
      silenceId,
      claim: b.claim,
    });
  }

  /** Records why a step did not act and gives the incident to what ends the wait, or ends it. */
  private onSkip(
    incidentId: string,
    step: number,
    d: Decision & { kind: 'skip' },
    jobSeq: number | null,
    st: RuleState | null,
  ): void {
    this.record(incidentId, step, d, 'skipped', null, jobSeq);
    const rule = d.rule ? this.d.policy.rules.find((r) => r.name === d.rule) : undefined;
    const park = (on: Wait['on'], until: number | null) =>
      this.ctx.park({ incidentId, step, on, until }, `${d.code}: ${d.reason}`);
    switch (d.code) {
      case 'kill_switch':
        return park('kill_switch', null);
      case 'cooldown':
        return park('time', (st?.lastActionAt ?? 0) + (rule?.cooldownSeconds ?? 0) * 1000);
      case 'budget': {
        const window = (rule?.budget.windowSeconds ?? 0) * 1000;
        const since = this.d.clock.now() - window;
        const oldest = Math.min(...(st?.actionTimes ?? []).filter((t) => t > since));
        return park('time', Number.isFinite(oldest) ? oldest + window + 1 : this.d.clock.now() + window);
      }
      case 'in_flight':
        return park('release', null);
      case 'symptom': {
        // The root cause's incident acts; this one ends when its alert resolves. Its alert's verdict
        // is read again at each verification interval (where a reader is configured), and the
        // incident decided again when it changed (a fault of its own that began while the alert
        // fired), or after each verification window anyway (the ranking may have been wrong).
        const now = this.d.clock.now();
        const every = (rule?.verify.intervalSeconds ?? 5) * 1000;
        const window = now + (rule?.verify.timeoutSeconds ?? 300) * 1000;
        return this.ctx.watchVerdict(incidentId, every, window)
          ? park('verdict', now + every)
          : park('time', window);
      }
      case 'blast_radius':
        // Before the snapshot this is the rule's targets in flight: wait for one to be released.
        if (st && rule && st.inFlight >= rule.blastRadius.maxTargets) return park('release', null);
        return;
      case 'max_attempts':
      case 'ladder_exhausted':
      case 'no_rule':
      case 'target_unresolved':
      case 'not_allowed':
        void this.end.escalate(incidentId, step, d.code, `${d.code}: ${d.reason}`);
        return;
      default:
        // follower: the leader owns it. not_firing: closed. Bounds after the snapshot: next step.
        return;
    }
  }

  private release(c: Claim): void {
    const r = this.d.claims.release(c.id);
    if (r) this.ctx.released(r);
  }

  /** Exports the guard state decide() is about to read (as of before this decision). */
  private exported(rule: Rule, key: string, st: RuleState, now: number): RuleState {
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
  }

  private record(
    incidentId: string,
    step: number,
    d: Decision,
    result: RecordResult,
    error: string | null,
    jobSeq: number | null,
    before: TargetSnapshot | null = null,
    apiCall: ApiCall | null = null,
  ): void {
    const a = decisionRecord(incidentId, step, d, result, error, before, apiCall);
    this.d.store.startAction(a, this.d.clock.now(), jobSeq);
    this.d.metrics.actions.inc({ action: a.action, result });
  }
}
