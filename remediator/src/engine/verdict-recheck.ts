import type { Logger } from 'pino';
import type { Policy } from '../policy/policy-schema';
import type { AuditSqlite } from '../sinks/audit-sqlite';
import type { IncidentWaits, Wait } from '../store/incident-waits';
import type { AlertReader } from './alert-reader';
import type { Clock } from './clock';

export interface VerdictRecheckDeps {
  store: Pick<AuditSqlite, 'incidentRow'>;
  waits: Pick<IncidentWaits, 'repark' | 'verdictChanged' | 'clear'>;
  policy: Policy;
  alerts: AlertReader | null;
  clock: Clock;
  log: Pick<Logger, 'warn'>;
}

/** The annotation that carries the detector's verdict on the incident (policy/decide.ts). */
const ROOT_CAUSE = 'root_cause';

/**
 * Watches the alerts of incidents skipped as a symptom, so a verdict that changes while the alert
 * fires is acted on. The detector's `root_cause` and `top_feature` annotations change from one rule
 * evaluation to the next, but Alertmanager notifies only when a group's alerts change, so the
 * remediator never hears of it. In a chaos campaign an error spike on orders began while orders'
 * alert was still firing from the crash before it: the alert had been skipped as a symptom of the
 * gateway, and the error spike, which the detector then ranked orders' own, was never healed.
 *
 * Each watched alert's annotations are read again every `everyMs` (the rule's verification
 * interval): when one the decision depends on changed (`root_cause`, or one a rule matches on) the
 * incident is decided again with them; otherwise it waits on, with no record (nothing happened).
 * After `deadline` (the rule's verification timeout) it is decided again anyway, as before this
 * watch existed. Plans live in memory: after a restart a due watch is decided again, which plans it anew.
 */
export class VerdictRecheck {
  private readonly plans = new Map<string, { everyMs: number; deadline: number }>();
  /** Incidents whose alert is being read now: the engine's timer leaves them out. */
  readonly reading = new Set<string>();

  constructor(private readonly d: VerdictRecheckDeps) {}

  watch(incidentId: string, everyMs: number, deadline: number): void {
    this.plans.set(incidentId, { everyMs, deadline });
  }

  /** Reads the due watches' alerts; returns the incidents to decide again (their waits ended). */
  async due(waits: readonly Wait[]): Promise<string[]> {
    const decide: string[] = [];
    for (const w of waits) this.reading.add(w.incidentId);
    try {
      await Promise.all(
        waits.map(async (w) => {
          if (await this.check(w.incidentId)) decide.push(w.incidentId);
        }),
      );
    } finally {
      for (const w of waits) this.reading.delete(w.incidentId);
    }
    return decide;
  }

  private async check(id: string): Promise<boolean> {
    const plan = this.plans.get(id);
    const inc = this.d.store.incidentRow(id);
    const read = this.d.alerts?.annotations?.bind(this.d.alerts);
    if (!inc || !plan || !read || this.d.clock.now() >= plan.deadline) {
      this.plans.delete(id);
      this.d.waits.clear(id);
      return inc !== null;
    }
    let now: Record<string, string> | null;
    try {
      now = await read({ fingerprint: inc.fingerprint, labels: inc.labels, source: inc.source });
    } catch (e) {
      this.d.log.warn(
        { err: e, incidentId: id },
        'could not read the alert: its verdict is read again later',
      );
      now = null;
    }
    // A verdict that went away is no new verdict: the detector's incident closed while the alert
    // is still held firing (keep_firing_for), and an empty root_cause would let the symptom act.
    const next = now ? { ...inc.annotations, ...now } : null;
    if (next && !now?.[ROOT_CAUSE]?.trim()) next[ROOT_CAUSE] = inc.annotations[ROOT_CAUSE] ?? '';
    const changed = next ? this.decisive().filter((k) => (next[k] ?? '') !== (inc.annotations[k] ?? '')) : [];
    if (next && changed.length > 0) {
      const ended = this.d.waits.verdictChanged(
        id,
        next,
        { why: `the alert's ${changed.join(', ')} changed while it fired`, changed },
        this.d.clock.now(),
      );
      this.plans.delete(id);
      return ended;
    }
    this.d.waits.repark(id, this.d.clock.now() + plan.everyMs);
    return false;
  }

  /** The annotations a decision reads: the verdict, and those a rule matches on. */
  private decisive(): string[] {
    const keys = new Set([ROOT_CAUSE]);
    for (const r of this.d.policy.rules)
      for (const k of [...Object.keys(r.match), ...Object.keys(r.matchRe)]) keys.add(k);
    return [...keys];
  }
}
