import type { ActionRecord, ActuatorKind, Labels, Target } from '@homeostat/contracts';
import type { Logger } from 'pino';
import type { Actuator, ActRequest } from '../actuators/actuator';
import { RemediatorError } from '../errors';
import type { Metrics } from '../metrics';
import { decide, type Decision, type TargetSnapshot } from '../policy/decide';
import { matchRule, resolveTarget, targetKey } from '../policy/match';
import type { Policy, Rule } from '../policy/policy-schema';
import type { AmSilence } from '../sinks/am-silence';
import type { AuditSqlite, Job } from '../sinks/audit-sqlite';
import type { PrometheusClient } from './prometheus-client';
import { verifyRecovery } from './verifier';

export interface EngineDeps {
  store: AuditSqlite;
  policy: Policy;
  actuators: Partial<Record<ActuatorKind, Actuator>>;
  metrics: Metrics;
  log: Logger;
  prometheus: PrometheusClient | null;
  silence: AmSilence | null;
  isLeader: () => boolean;
  concurrency: number;
}

const KILL_SWITCH = 'killSwitch';
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Takes persisted jobs (one per new alert state) and runs them: decide, act, verify, undo and
 * escalate. One incident is never handled twice at once; jobs of different incidents run in
 * parallel up to `concurrency`.
 */
export class Engine {
  private readonly running = new Map<string, Promise<void>>();
  private queue: Job[] = [];
  private readonly approved = new Set<string>();
  private draining = false;
  private again = false;
  private readonly abort = new AbortController();
  private readonly verifications = new Set<Promise<unknown>>();

  constructor(private readonly d: EngineDeps) {
    d.metrics.killSwitch.set(this.killSwitchEngaged() ? 1 : 0);
  }

  killSwitchEngaged(): boolean {
    return this.d.policy.killSwitch || this.d.store.getSetting(KILL_SWITCH) === 'true';
  }
  apiKillSwitch(): boolean {
    return this.d.store.getSetting(KILL_SWITCH) === 'true';
  }
  setKillSwitch(engaged: boolean, by: string): void {
    this.d.store.setSetting(KILL_SWITCH, String(engaged), { by });
    this.d.metrics.killSwitch.set(this.killSwitchEngaged() ? 1 : 0);
    this.d.log.warn({ engaged, by }, 'kill switch changed');
  }

  /**
   * After a crash: an action whose call was in flight is closed as failed and never repeated (its
   * effect is unknown, a human must look); verifications that were running are resumed.
   */
  recover(): void {
    const now = Date.now();
    this.queue = this.d.store.pendingJobs(Number.MAX_SAFE_INTEGER);
    for (const a of this.d.store.interruptedActions()) {
      this.d.store.finishAction(
        a.id,
        {
          after: null,
          result: 'failed',
          error: 'interrupted: the remediator stopped during this call; not repeated',
          verification: 'failed',
        },
        now,
      );
      this.d.store.setIncident(a.incidentId, 'escalated', a.step, { why: 'action interrupted by restart' });
      this.d.metrics.actions.inc({ action: a.action, result: 'failed' });
    }
    for (const a of this.d.store.unverifiedActions()) {
      const inc = this.d.store.incidentRow(a.incidentId);
      const rule = this.d.policy.rules.find((r) => r.name === a.rule);
      if (!inc || !rule || !a.target) continue;
      this.track(
        this.verifyAndClose(
          rule,
          inc.labels,
          a.incidentId,
          a.id,
          a.step,
          a.target,
          a.action,
          a.before ?? {},
          a.after ?? {},
          null,
        ),
      );
    }
  }

  /** Called with the jobs a notification persisted (the engine acts on them asynchronously). */
  enqueue(jobs: Job[]): void {
    for (const j of jobs) this.queue.push(j);
    this.wake();
  }

  wake(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    setImmediate(() => this.drain());
  }

  /**
   * One pass over the queue. Decisions that need no actuator call (no rule, kill switch, cooldown,
   * budget...) are recorded synchronously, all in one transaction; jobs that will act start
   * asynchronously, one per incident, up to `concurrency`.
   */
  private drain(): void {
    try {
      do {
        this.again = false;
        if (this.abort.signal.aborted) return;
        const deferred: Job[] = [];
        const toStart: Job[] = [];
        const busy = new Set(this.running.keys());
        this.d.store.inTransaction(() => {
          for (const job of this.queue) {
            if (busy.has(job.incidentId)) {
              deferred.push(job);
            } else if (this.tryQuick(job)) {
              continue;
            } else if (this.running.size + toStart.length >= this.d.concurrency) {
              deferred.push(job);
              busy.add(job.incidentId);
            } else {
              toStart.push(job);
              busy.add(job.incidentId);
            }
          }
        });
        this.queue = deferred;
        for (const job of toStart) {
          const p = this.handle(job)
            .catch((e: unknown) => this.d.log.error({ err: e, job }, 'job failed'))
            .finally(() => {
              this.running.delete(job.incidentId);
              this.wake();
            });
          this.running.set(job.incidentId, p);
        }
        this.d.metrics.queueDepth.set(this.queue.length);
      } while (this.again);
    } finally {
      this.draining = false;
    }
  }

  /** Handles a job synchronously when no actuator call is needed; false when it must act. */
  private tryQuick(job: Job): boolean {
    const inc = this.d.store.incidentRow(job.incidentId);
    if (!inc || job.status === 'resolved') {
      // The resolved notification is bookkeeping: verification reads it from the store.
      this.d.store.jobDone(job.seq);
      return true;
    }
    const decision = this.decideNow(inc.id, inc.labels, inc.step, undefined, inc.resolvedAt !== null);
    if (decision.kind !== 'skip' || decision.code === 'replicas_unknown' || decision.code === 'blast_radius')
      return false;
    this.recordSkip(inc.id, inc.step, decision, job.seq);
    return true;
  }

  private decideNow(
    incidentId: string,
    labels: Labels,
    step: number,
    snapshot: TargetSnapshot | undefined,
    resolved = this.d.store.incidentRow(incidentId)?.resolvedAt != null,
  ): Decision {
    const now = Date.now();
    return decide({
      policy: this.d.policy,
      alert: { status: resolved ? 'resolved' : 'firing', labels },
      step,
      now,
      killSwitch: this.apiKillSwitch(),
      isLeader: this.d.isLeader(),
      state: this.state(incidentId, now),
      ...(snapshot ? { snapshot } : {}),
    });
  }

  private recordSkip(
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

  /** Resolves once no job is running and none is pending (tests and shutdown). */
  async idle(): Promise<void> {
    while (
      this.running.size > 0 ||
      this.verifications.size > 0 ||
      this.draining ||
      (this.queue.length > 0 && !this.abort.signal.aborted)
    ) {
      await Promise.race([
        ...this.running.values(),
        ...this.verifications,
        new Promise((r) => setTimeout(r, 20)),
      ]);
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running.values(), ...this.verifications]);
  }

  private track(p: Promise<unknown>): void {
    const t = p
      .catch((e: unknown) => this.d.log.error({ err: e }, 'verification failed'))
      .finally(() => this.verifications.delete(t));
    this.verifications.add(t);
  }

  private async handle(job: Job): Promise<void> {
    const inc = this.d.store.incidentRow(job.incidentId);
    if (!inc || job.status === 'resolved') {
      // The resolved notification is bookkeeping: verification reads it from the store.
      this.d.store.jobDone(job.seq);
      return;
    }
    await this.climb(inc.id, inc.labels, inc.step, job.seq);
  }

  /** Runs ladder steps from `step` on until one is verified, skipped or the ladder ends. */
  private async climb(
    incidentId: string,
    labels: Labels,
    step: number,
    jobSeq: number | null,
  ): Promise<void> {
    for (;;) {
      const outcome = await this.runStep(incidentId, labels, step, jobSeq);
      jobSeq = null;
      if (outcome !== 'escalate') return;
      step++;
      this.d.store.setIncident(incidentId, 'healing', step, { why: 'verification failed; next ladder step' });
    }
  }

  /**
   * A human approved a pending action: its ladder step runs now. Every other guard (kill switch,
   * cooldown, budget, bounds) still applies; the approval covers the rest of this incident's ladder.
   */
  approve(actionId: string, by: string): ActionRecord {
    const a = this.d.store.action(actionId);
    if (!a) throw new RemediatorError('NOT_FOUND', `no action ${actionId}`, { field: 'id' });
    if (a.result !== 'pending_approval') {
      throw new RemediatorError(
        'VALIDATION_FAILED',
        `action ${actionId} is ${a.result}, not pending_approval`,
        { field: 'id' },
      );
    }
    const inc = this.d.store.incidentRow(a.incidentId);
    if (!inc || this.running.has(inc.id))
      throw new RemediatorError('VALIDATION_FAILED', 'incident is busy or gone', { field: 'id' });
    this.d.store.finishAction(
      a.id,
      {
        after: null,
        result: 'skipped',
        error: `approved by ${by}; executed as the next action`,
        verification: 'not_applicable',
      },
      Date.now(),
    );
    this.approved.add(inc.id);
    const p = this.climb(inc.id, inc.labels, a.step, null)
      .catch((e: unknown) => this.d.log.error({ err: e, actionId }, 'approved action failed'))
      .finally(() => {
        this.running.delete(inc.id);
        this.approved.delete(inc.id);
        this.wake();
      });
    this.running.set(inc.id, p);
    return this.d.store.action(a.id)!;
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
  private async runStep(
    incidentId: string,
    labels: Labels,
    step: number,
    jobSeq: number | null,
  ): Promise<'done' | 'escalate'> {
    const { store, policy } = this.d;
    const rule = matchRule(policy, labels);
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
    if (decision.approvalRequired && !this.approved.has(incidentId)) {
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

  private async verifyAndClose(
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
      signal: this.abort.signal,
      sleep: (ms) => this.sleep(ms),
    });
    if (this.abort.signal.aborted) return true; // shutting down: recover() resumes it on restart
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
    apiCall: import('@homeostat/contracts').ApiCall | null = null,
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
      const signal = this.abort.signal;
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
