import type { ActionRecord, Labels } from '@homeostat/contracts';
import type { Logger } from 'pino';
import { RemediatorError } from '../errors';
import type { Metrics } from '../metrics';
import type { AmSilence } from '../sinks/am-silence';
import type { AuditSqlite, Job } from '../sinks/audit-sqlite';
import { LadderStep, type LadderStepDeps } from './ladder-step';

/** The ladder step's dependencies, in full, plus what scheduling needs. */
export interface EngineDeps extends LadderStepDeps {
  store: AuditSqlite;
  metrics: Metrics;
  log: Logger;
  silence: AmSilence | null;
  concurrency: number;
}

const KILL_SWITCH = 'killSwitch';

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

  private readonly steps: LadderStep;

  constructor(private readonly d: EngineDeps) {
    this.steps = new LadderStep(d, {
      approved: this.approved,
      signal: this.abort.signal,
      apiKillSwitch: () => this.apiKillSwitch(),
    });
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
        this.steps.verifyAndClose(
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
    // A short delay batches a burst of jobs into one pass and one commit; 5 ms is nothing next to
    // the seconds an action takes, and keeps the engine from competing with webhook acks.
    setTimeout(() => this.drain(), 5);
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
    const decision = this.steps.decideNow(inc.id, inc.labels, inc.step, undefined, inc.resolvedAt !== null);
    if (decision.kind !== 'skip' || decision.code === 'replicas_unknown' || decision.code === 'blast_radius')
      return false;
    this.steps.recordSkip(inc.id, inc.step, decision, job.seq);
    return true;
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
      const outcome = await this.steps.run(incidentId, labels, step, jobSeq);
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
}
