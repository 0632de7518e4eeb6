import type { StepDeps } from './step-deps';

/**
 * The ways an incident ends besides healing. Every one clears its wait, expires the silence the
 * remediator wrote (humans are paged at once instead of when it lapses) and leaves an
 * `escalation` event in the audit log, a metric and an error log line (debug when no rule matched).
 */
export class IncidentEnd {
  constructor(private readonly d: StepDeps) {}

  async escalate(
    incidentId: string,
    step: number,
    reason: string,
    why: string,
    silenceId: string | null = null,
  ): Promise<void> {
    this.close(incidentId, step, 'escalated', reason, why);
    if (silenceId) await this.d.silence?.expire(silenceId);
  }

  /** The remediator left the target in a state it did not intend (a failed undo). */
  async fail(incidentId: string, step: number, why: string, silenceId: string | null): Promise<void> {
    this.close(incidentId, step, 'failed', 'undo_failed', why);
    if (silenceId) await this.d.silence?.expire(silenceId);
  }

  heal(incidentId: string, now: number): void {
    this.d.waits.clear(incidentId);
    const mttr = this.d.store.healIncident(incidentId, now);
    if (mttr !== null) this.d.metrics.mttr.observe(mttr);
  }

  private close(
    incidentId: string,
    step: number,
    status: 'escalated' | 'failed',
    reason: string,
    why: string,
  ): void {
    this.d.waits.clear(incidentId);
    this.d.store.setIncident(incidentId, status, step, { why });
    this.d.store.appendAudit('escalation', incidentId, null, { status, reason, why }, this.d.clock.now());
    this.d.metrics.escalations.inc({ reason });
    // An alert no rule matches is not the remediator's to heal: Alertmanager pages for it anyway,
    // and a storm of them would be a storm of error lines. The counter (reason no_rule) says how many.
    const level = reason === 'no_rule' ? 'debug' : 'error';
    this.d.log[level]({ incidentId, status, reason, why }, 'incident handed to humans');
  }
}
