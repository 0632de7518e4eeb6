import type { ActionRecord, AlertStatus } from '@homeostat/contracts';
import type { Logger } from 'pino';
import { RemediatorError } from '../errors';
import type { Metrics } from '../metrics';
import type { AuditSqlite } from '../sinks/audit-sqlite';
import type { Claim } from '../store/claim-store';
import type { Wait } from '../store/incident-waits';
import { VerdictRecheck } from './verdict-recheck';
import { LadderStep, type Begun } from './ladder-step';
import type { StepDeps } from './step-deps';
import { undoStarted } from './undo-intent';

/** The step dependencies, in full, plus what scheduling needs. */
export interface EngineDeps extends StepDeps {
  store: AuditSqlite;
  metrics: Metrics;
  log: Logger;
  concurrency: number;
  /** How long a burst of jobs is batched before one pass (ms); 0: next turn of the event loop. */
  batchMs?: number;
}

/** A reason to look at an incident again: a persisted job (seq) or a wait that ended (seq null). */
interface Work {
  seq: number | null;
  incidentId: string;
  status: AlertStatus;
}

const KILL_SWITCH = 'killSwitch';

/**
 * Runs incidents' ladders. Every open incident has exactly one owner at any time: a running
 * ladder (here), a wait with what ends it (timer, claim release, kill-switch release; persisted),
 * an approver (pending_approval), or the leader (on a follower). recover() rebuilds all of them
 * after a restart. One incident is never handled twice at once; different incidents run in
 * parallel up to `concurrency`, and one target is never acted on twice at once (ClaimStore).
 */
export class Engine {
  private readonly running = new Map<string, Promise<void>>();
  private queue: Work[] = [];
  private draining = false;
  private again = false;
  private readonly abort = new AbortController();
  private cancelTimer: (() => void) | null = null;
  private readonly steps: LadderStep;
  private readonly verdicts: VerdictRecheck;
  /** Verdict reads in flight (stop() waits for them). */
  private readonly rechecks = new Set<Promise<void>>();
  /** After a failed recheck, verdict waits are not read before this (ms). */
  private verdictsPausedUntil = 0;
  /**
   * The kill switch as read once at the start of a pass (one read instead of one per decision; a
   * switch engaged meanwhile still stops every call: act() reads it again right before the call).
   */
  private passKillSwitch: boolean | null = null;

  constructor(private readonly d: EngineDeps) {
    this.verdicts = new VerdictRecheck(d);
    this.steps = new LadderStep(d, {
      signal: this.abort.signal,
      killSwitch: () => this.passKillSwitch ?? this.killSwitchEngaged(),
      park: (w, why) => this.park(w, why),
      released: (c) => this.released(c),
      watchVerdict: (id, everyMs, deadline) => this.verdicts.watch(id, everyMs, deadline),
    });
    d.metrics.killSwitch.set(this.killSwitchEngaged() ? 1 : 0);
  }

  killSwitchEngaged(): boolean {
    return this.d.policy.killSwitch || this.d.store.getSetting(KILL_SWITCH) === 'true';
  }
  apiKillSwitch(): boolean {
    return this.d.store.getSetting(KILL_SWITCH) === 'true';
  }
  /**
   * Engaging stops every actuator call from now on: no new step, no call whose checks were passed
   * but which had not started, no undo (see VerifyClose). Releasing resumes the incidents the
   * switch held back.
   */
  setKillSwitch(engaged: boolean, by: string): void {
    this.d.store.setSetting(KILL_SWITCH, String(engaged), { by });
    this.d.metrics.killSwitch.set(this.killSwitchEngaged() ? 1 : 0);
    this.d.log.warn({ engaged, by }, 'kill switch changed');
    if (!this.killSwitchEngaged()) this.resume((w) => w.on === 'kill_switch');
  }

  /**
   * After a restart: claims of the dead process are dropped; an action whose call was in flight is
   * closed as failed and never repeated, then verified like any taken action (the call may have
   * reached the platform: the alert's state says whether the incident healed; if not, it goes to
   * humans, never undone, since what the target is now is unknown); verifications that were running
   * resume and their verdict drives the ladder on (one whose undo had started is never undone
   * twice); waits are re-armed; any other open incident is looked at again.
   */
  recover(): void {
    const { store, claims, waits } = this.d;
    const now = this.d.clock.now();
    claims.releaseAll();
    const owned = new Set<string>();
    this.queue = store.pendingJobs(Number.MAX_SAFE_INTEGER);
    for (const j of this.queue) owned.add(j.incidentId);
    for (const a of store.interruptedActions()) {
      // failed with its verification pending: the loop below verifies it (and so does the next
      // recover() if this process dies too)
      store.finishAction(
        a.id,
        {
          after: null,
          result: 'failed',
          error: 'interrupted: the remediator stopped during this call; not repeated, effect unknown',
          verification: 'pending',
        },
        now,
      );
      this.d.metrics.actions.inc({ action: a.action, result: 'failed' });
    }
    // Verified even when its incident has a job queued (a resolved notification): the job waits for
    // the verifier, as before the restart; skipped, the action stayed pending and its target unclaimed.
    const verifying = new Set<string>();
    for (const a of store.unverifiedActions()) {
      const inc = store.incidentRow(a.incidentId);
      const rule = this.d.policy.rules.find((r) => r.name === a.rule);
      if (!inc || verifying.has(a.incidentId)) continue;
      verifying.add(a.incidentId);
      owned.add(a.incidentId);
      if (!rule || !a.target) {
        // the rule is gone from the policy: nothing to verify against; humans take over
        store.verifyAction(a.id, 'inconclusive', now, null, {
          reason: `rule ${a.rule} no longer in the policy`,
        });
        void this.steps.end.escalate(
          inc.id,
          a.step,
          'interrupted',
          'action of a removed rule interrupted by restart',
          store.actionSilence(a.id),
        );
        continue;
      }
      const noUndo =
        a.result === 'failed'
          ? 'its call was interrupted by a restart'
          : undoStarted(store, a.id)
            ? 'its undo was interrupted by a restart'
            : undefined;
      const claim = claims.adopt({ target: a.target, rule: rule.name, incidentId: inc.id }, a.id, now);
      this.own(
        inc.id,
        this.steps.verifier
          .run({
            rule,
            incidentId: inc.id,
            actionId: a.id,
            step: a.step,
            action: a.action,
            target: a.target,
            labels: inc.labels,
            before: a.before ?? {},
            after: a.after ?? {},
            silenceId: store.actionSilence(a.id),
            claim,
            ...(noUndo ? { noUndo } : {}),
          })
          .then((out) => (out === 'next' ? this.climbFrom(inc.id, a.step + 1) : undefined)),
      );
    }
    for (const w of waits.all()) owned.add(w.incidentId);
    for (const id of store.openIncidents()) {
      if (owned.has(id)) continue;
      const last = store.actionsOf(id).at(-1);
      if (last?.result === 'pending_approval') continue; // owner: the approver (and its deadline's wait)
      this.queue.push({ seq: null, incidentId: id, status: 'firing' });
    }
    this.resume((w) => w.on === 'release' || (w.on === 'kill_switch' && !this.killSwitchEngaged()));
    this.armTimer();
  }

  /** Called with the jobs a notification persisted (the engine acts on them asynchronously). */
  enqueue(jobs: Work[]): void {
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
    const ms = this.d.batchMs ?? 5;
    if (ms === 0) setImmediate(() => this.drain());
    else setTimeout(() => this.drain(), ms);
  }

  /**
   * One pass over the queue, in one transaction: each job is decided and its target claimed
   * (LadderStep.begin, synchronous), or recorded as skipped and parked; the ones that act start
   * asynchronously, one per incident, up to `concurrency`.
   */
  private drain(): void {
    try {
      do {
        this.again = false;
        if (this.abort.signal.aborted) return;
        const deferred: Work[] = [];
        const toStart: Begun[] = [];
        const busy = new Set(this.running.keys());
        // one failed decision fails the pass (and the process: crash-only), so the pass is a batch
        const ids = this.queue.filter((j) => !busy.has(j.incidentId)).map((j) => j.incidentId);
        this.d.store.inBatch(() => {
          this.passKillSwitch = this.killSwitchEngaged();
          try {
            for (const job of this.queue) {
              if (busy.has(job.incidentId) || this.running.size + toStart.length >= this.d.concurrency) {
                deferred.push(job);
                continue;
              }
              const b = this.steps.begin(job.incidentId, job.seq);
              if (b) {
                toStart.push(b);
                busy.add(job.incidentId);
              }
            }
          } finally {
            this.passKillSwitch = null;
          }
        }, ids);
        this.queue = deferred;
        for (const b of toStart) this.own(b.incidentId, this.climb(b));
        this.d.metrics.queueDepth.set(this.queue.length);
      } while (this.again);
    } finally {
      this.draining = false;
    }
  }

  /** Runs `p` as the incident's owner; the engine looks at the queue again when it ends. */
  private own(incidentId: string, p: Promise<unknown>): void {
    const t = p
      .catch((e: unknown) => this.d.log.error({ err: e, incidentId }, 'ladder failed'))
      .then(() => undefined)
      .finally(() => {
        this.running.delete(incidentId);
        this.wake();
      });
    this.running.set(incidentId, t);
  }

  /** Acts on a begun step, then climbs while verification says "next step". */
  private async climb(b: Begun): Promise<void> {
    if ((await this.steps.act(b)) === 'next') await this.climbFrom(b.incidentId, b.step + 1);
  }

  private async climbFrom(incidentId: string, step: number): Promise<void> {
    for (;;) {
      if (this.abort.signal.aborted) return;
      this.d.store.setIncident(incidentId, 'healing', step, {
        why: 'previous step failed; next ladder step',
      });
      const b = this.d.store.inTransaction(() => this.steps.begin(incidentId, null));
      if (!b) return;
      if ((await this.steps.act(b)) !== 'next') return;
      step = b.step + 1;
    }
  }

  private park(w: Wait, why: string): void {
    this.d.waits.park(w, why, this.d.clock.now());
    // A 'release' wait always has a claim to wait for: it was decided against one in this same
    // synchronous run, so no release can have been missed.
    if (w.on === 'time' || w.on === 'verdict') this.armTimer();
  }

  private released(_c: Claim): void {
    this.resume((w) => w.on === 'release');
  }

  /** Ends the matching waits: their incidents are looked at again (they may park again). */
  private resume(which: (w: Wait) => boolean): void {
    const ready = this.d.waits.all().filter(which);
    for (const w of ready) this.d.waits.clear(w.incidentId);
    if (ready.length)
      this.enqueue(ready.map((w) => ({ seq: null, incidentId: w.incidentId, status: 'firing' })));
  }

  /** One timer, for the earliest time-bound wait. */
  private armTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (this.abort.signal.aborted) return;
    const next = this.d.waits.all().filter((w) => w.until !== null && this.timed(w));
    if (!next.length) return;
    const at = Math.min(...next.map((w) => this.dueAt(w)));
    this.cancelTimer = this.d.clock.timer(
      () => {
        this.cancelTimer = null;
        const now = this.d.clock.now();
        this.resume((w) => w.on === 'time' && (w.until ?? 0) <= now);
        const due = this.d.waits
          .all()
          .filter((w) => w.on === 'verdict' && this.timed(w) && this.dueAt(w) <= now);
        if (due.length) this.recheck(due);
        this.armTimer();
      },
      Math.max(0, at - this.d.clock.now()),
    );
  }

  /** Whether the timer owns the wait: a time, or a verdict not being read now. */
  private timed(w: Wait): boolean {
    return w.on === 'time' || (w.on === 'verdict' && !this.verdicts.reading.has(w.incidentId));
  }

  /** Reads the due symptoms' alerts again; those whose verdict changed are decided again. */
  private recheck(due: Wait[]): void {
    const run = async () => {
      try {
        const { decide, failed } = await this.verdicts.due(due, this.abort.signal);
        if (decide.length && !this.abort.signal.aborted)
          this.enqueue(decide.map((incidentId) => ({ seq: null, incidentId, status: 'firing' as const })));
        // the waits whose write failed stay due: read again after a pause, never in a tight loop
        if (failed > 0) this.verdictsPausedUntil = this.d.clock.now() + 1_000;
      } catch (e) {
        // a store that failed: the waits stay, read again after a pause, never in a tight loop
        this.d.log.error({ err: e }, 'verdict recheck failed');
        this.verdictsPausedUntil = this.d.clock.now() + 1_000;
      } finally {
        this.armTimer();
      }
    };
    const p = run();
    this.rechecks.add(p);
    void p.finally(() => this.rechecks.delete(p));
  }

  /** When the timer is next due for a wait: a verdict not before a failed read's pause. */
  private dueAt(w: Wait): number {
    return w.on === 'verdict' ? Math.max(w.until ?? 0, this.verdictsPausedUntil) : (w.until ?? 0);
  }

  /** Resolves once no ladder is running and no job is pending (parked incidents wait on). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.draining || (this.queue.length > 0 && !this.abort.signal.aborted)) {
      await Promise.race([...this.running.values(), new Promise((r) => setTimeout(r, 20))]);
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.cancelTimer?.();
    // a verdict read in flight writes nothing once aborted; awaited so the store closes after it
    await Promise.allSettled([...this.running.values(), ...this.rechecks]);
  }

  /**
   * A human approved a pending action: that ladder step (only that one) may run now, with every
   * other guard still applied. Refused while the kill switch is engaged; the action stays pending
   * and can be approved once the switch is released.
   */
  approve(actionId: string, by: string): ActionRecord {
    const a = this.d.store.action(actionId);
    if (!a) throw new RemediatorError('NOT_FOUND', `no action ${actionId}`, { field: 'id' });
    if (a.result !== 'pending_approval') {
      throw new RemediatorError(
        'VALIDATION_FAILED',
        `action ${actionId} is ${a.result}, not pending_approval`,
        {
          field: 'id',
        },
      );
    }
    if (this.killSwitchEngaged())
      throw new RemediatorError(
        'KILL_SWITCH_ENGAGED',
        'kill switch engaged: approve again once it is released',
        {
          field: 'id',
        },
      );
    const inc = this.d.store.incidentRow(a.incidentId);
    if (!inc || this.running.has(inc.id))
      throw new RemediatorError('VALIDATION_FAILED', 'incident is busy or gone', { field: 'id' });
    const now = this.d.clock.now();
    this.d.store.inTransaction(() => {
      this.d.waits.approve(inc.id, a.step, by, now);
      this.d.store.finishAction(
        a.id,
        {
          after: null,
          result: 'skipped',
          error: `approved by ${by}; step ${a.step} runs next`,
          verification: 'not_applicable',
        },
        now,
      );
    });
    this.enqueue([{ seq: null, incidentId: inc.id, status: 'firing' }]);
    return this.d.store.action(a.id)!;
  }
}
