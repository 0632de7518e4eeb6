import type Database from 'better-sqlite3';
import type { AuditSqlite } from '../sinks/audit-sqlite';

/**
 * What a parked incident waits for before its ladder goes on: a time (cooldown, budget window), the
 * release of a claim (its target or its rule's blast radius is busy), the kill switch's release, or
 * a new verdict on a symptom (`verdict`: its alert's annotations are read again at `until`; see
 * engine/verdict-recheck.ts).
 */
export type WaitOn = 'time' | 'release' | 'kill_switch' | 'verdict';

export interface Wait {
  incidentId: string;
  step: number;
  on: WaitOn;
  /** For `time`: when to resume (ms); for `verdict`: when to read the alert's annotations again. */
  until: number | null;
}

const SQL = {
  park: 'UPDATE incidents SET wait_on = ?, wait_until = ?, step = ? WHERE id = ?',
  clear: 'UPDATE incidents SET wait_on = NULL, wait_until = NULL WHERE id = ?',
  all: `SELECT id AS incidentId, step, wait_on AS "on", wait_until AS "until" FROM incidents
           WHERE wait_on IS NOT NULL ORDER BY wait_until, received_at`,
  approve: 'UPDATE incidents SET approved_step = ? WHERE id = ?',
  repark: "UPDATE incidents SET wait_until = ? WHERE id = ? AND wait_on = 'verdict'",
  verdict:
    "UPDATE incidents SET annotations = ?, wait_on = NULL, wait_until = NULL WHERE id = ? AND wait_on = 'verdict'",
  approved: 'SELECT approved_step AS s FROM incidents WHERE id = ?',
} as const;

/**
 * Persisted waits and approvals of incidents, so that after a restart every open incident still
 * has an owner: the engine re-arms its timers and resumes from here.
 */
export class IncidentWaits {
  private readonly st: { [K in keyof typeof SQL]: Database.Statement };

  constructor(
    private readonly audit: Pick<AuditSqlite, 'db' | 'appendAudit' | 'inTransaction' | 'prefetched'>,
  ) {
    const st: Partial<Record<keyof typeof SQL, Database.Statement>> = {};
    for (const k of Object.keys(SQL) as (keyof typeof SQL)[]) st[k] = audit.db.prepare(SQL[k]);
    this.st = st as IncidentWaits['st'];
  }

  park(w: Wait, why: string, now: number): void {
    this.audit.prefetched.forget(w.incidentId);
    this.audit.inTransaction(() => {
      this.st.park.run(w.on, w.until, w.step, w.incidentId);
      this.audit.appendAudit(
        'wait',
        w.incidentId,
        null,
        { on: w.on, until: w.until, step: w.step, why },
        now,
      );
    });
  }
  clear(incidentId: string): void {
    // an engine pass knows the row: a wait already clear is not written again (twice per decision)
    const pre = this.audit.prefetched.get(incidentId);
    if (pre && pre.wait_on === null && pre.wait_until === null) return;
    this.st.clear.run(incidentId);
    if (pre) Object.assign(pre, { wait_on: null, wait_until: null });
  }
  /** The next read of a `verdict` wait whose alert's annotations did not change (no audit row: nothing happened). */
  repark(incidentId: string, until: number): void {
    this.audit.prefetched.forget(incidentId);
    this.st.repark.run(until, incidentId);
  }

  /**
   * Ends a `verdict` wait with the alert's new annotations, which the next decision reads. False
   * when the incident no longer waits on its verdict (resolved, or decided meanwhile).
   */
  verdictChanged(
    incidentId: string,
    annotations: Record<string, string>,
    why: Record<string, unknown>,
    now: number,
  ): boolean {
    this.audit.prefetched.forget(incidentId);
    return this.audit.inTransaction(() => {
      if (this.st.verdict.run(JSON.stringify(annotations), incidentId).changes !== 1) return false;
      this.audit.appendAudit('annotations', incidentId, null, { annotations, ...why }, now);
      return true;
    });
  }

  all(): Wait[] {
    return this.st.all.all() as Wait[];
  }

  /** A human approved this ladder step of the incident (one step: the next one needs its own). */
  approve(incidentId: string, step: number, by: string, now: number): void {
    this.audit.prefetched.forget(incidentId);
    this.audit.inTransaction(() => {
      this.st.approve.run(step, incidentId);
      this.audit.appendAudit('approval', incidentId, null, { step, by }, now);
    });
  }
  approvedStep(incidentId: string): number | null {
    const pre = this.audit.prefetched.get(incidentId);
    if (pre) return pre.approved_step;
    return (this.st.approved.get(incidentId) as { s: number | null } | undefined)?.s ?? null;
  }
}
