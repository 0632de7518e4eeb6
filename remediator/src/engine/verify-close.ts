import type { ActionKind, Labels, Target } from '@homeostat/contracts';
import type { TargetSnapshot } from '../policy/decide';
import type { Rule } from '../policy/policy-schema';
import type { Claim } from '../store/claim-store';
import type { IncidentEnd } from './incident-end';
import type { StepContext, StepDeps } from './step-deps';
import { UNDO_STARTED } from './undo-intent';
import { verifyRecovery } from './verifier';

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** An action that was taken and now awaits its verdict. */
export interface Taken {
  rule: Rule;
  incidentId: string;
  actionId: string;
  step: number;
  action: ActionKind;
  target: Target;
  labels: Labels;
  before: TargetSnapshot;
  after: TargetSnapshot;
  silenceId: string | null;
  claim: Claim;
  /**
   * Why no undo may be made (a restart interrupted the action's call or its undo: what the target
   * is now is unknown). A failed verification then hands the incident to humans.
   */
  noUndo?: string;
}

/**
 * Verifies a taken action and acts on the verdict; the claim on the target is released on every
 * way out except shutdown (recover() adopts it again):
 * - passed: healed.
 * - unknown (could not read): kept as is, not undone, no further step; escalated to humans.
 * - failed: undone, then the next ladder step ('next'). With the kill switch engaged the undo is not
 *   made either (documented choice: the switch means hands off) and the incident is escalated.
 * - failed undo: the action is marked failed, undo_failures_total counts it, the incident fails
 *   and the ladder stops (acting further on a half-restored target would compound the damage).
 */
export class VerifyClose {
  constructor(
    private readonly d: StepDeps,
    private readonly ctx: StepContext,
    private readonly end: IncidentEnd,
  ) {}

  async run(t: Taken): Promise<'next' | 'done'> {
    const { store, clock } = this.d;
    const inc = store.incidentRow(t.incidentId);
    const out = await verifyRecovery(
      t.rule.verify,
      { fingerprint: inc?.fingerprint ?? '', labels: t.labels, source: inc?.source ?? 'alertmanager' },
      {
        alerts: this.d.alerts,
        resolvedByWebhook: () => store.incidentRow(t.incidentId)?.resolvedAt != null,
        signal: this.ctx.signal,
        sleep: (ms) => clock.sleep(ms, this.ctx.signal),
        now: () => clock.now(),
      },
    );
    if (this.ctx.signal.aborted) return 'done'; // shutting down: recover() resumes it on restart
    const now = clock.now();
    this.d.metrics.verifications.inc({ result: out.result });
    const done = async () => {
      const r = this.d.claims.release(t.claim.id);
      if (t.silenceId) await this.d.silence?.expire(t.silenceId);
      if (r) this.ctx.released(r);
    };
    if (out.result === 'passed') {
      store.verifyAction(t.actionId, 'passed', now, null, out.detail);
      this.end.heal(t.incidentId, now);
      await done();
      return 'done';
    }
    if (out.result === 'unknown') {
      store.verifyAction(t.actionId, 'inconclusive', now, null, out.detail);
      await done();
      await this.end.escalate(
        t.incidentId,
        t.step,
        'verification_unknown',
        `verification could not read (${out.detail.reason}); ${t.action} kept, not undone, no further step`,
      );
      return 'done';
    }
    if (t.noUndo) {
      store.verifyAction(t.actionId, 'failed', now, null, {
        ...out.detail,
        undo: null,
        undoSkipped: t.noUndo,
      });
      await done();
      await this.end.escalate(
        t.incidentId,
        t.step,
        'interrupted',
        `verification failed: ${t.action} not undone, no further step (${t.noUndo})`,
      );
      return 'done';
    }
    if (this.ctx.killSwitch()) {
      store.verifyAction(t.actionId, 'failed', now, null, {
        ...out.detail,
        undo: null,
        undoSkipped: 'kill switch engaged',
      });
      await done();
      await this.end.escalate(
        t.incidentId,
        t.step,
        'kill_switch',
        `verification failed with the kill switch engaged: ${t.action} not undone; target as after: ${JSON.stringify(t.after)}`,
      );
      return 'done';
    }
    if (!(this.d.confirmLeader ?? this.d.isLeader)()) {
      // Not the leader any more: no undo from here. The verification stays pending and the claim
      // held, as at shutdown, so the leader's recover() verifies again and undoes it itself.
      store.appendAudit(
        'undo_handed_over',
        t.incidentId,
        t.actionId,
        { reason: 'leadership lost before the undo; not made here', detail: out.detail },
        now,
      );
      this.d.log.warn({ incidentId: t.incidentId, action: t.action }, 'undo left to the leader');
      return 'done';
    }
    const actuator = this.d.actuators[t.target.actuator];
    try {
      const req = {
        action: t.action,
        target: t.target,
        params: {},
        labels: t.labels,
        incidentId: t.incidentId,
      };
      // written before the call: a crash after it reached the platform leaves this trace
      if (actuator)
        store.appendAudit(
          UNDO_STARTED,
          t.incidentId,
          t.actionId,
          { target: t.target, restore: t.before },
          now,
        );
      const undoCall = actuator ? await actuator.undo(req, t.before, t.after) : null;
      store.verifyAction(t.actionId, 'failed', now, undoCall ? 'rolled_back' : null, {
        ...out.detail,
        undo: undoCall,
      });
      if (undoCall) this.d.metrics.actions.inc({ action: t.action, result: 'rolled_back' });
      this.d.log.warn(
        { incidentId: t.incidentId, action: t.action, detail: out.detail, undo: undoCall },
        'verification failed',
      );
      await done();
      return 'next';
    } catch (e) {
      store.verifyAction(t.actionId, 'failed', now, null, {
        ...out.detail,
        undo: null,
        undoError: errText(e),
      });
      store.markUndoFailed(t.actionId, errText(e), now);
      this.d.metrics.undoFailures.inc({ action: t.action });
      await done();
      await this.end.fail(
        t.incidentId,
        t.step,
        `undo of ${t.action} failed: ${errText(e)}; ladder stopped`,
        null,
      );
      return 'done';
    }
  }
}
