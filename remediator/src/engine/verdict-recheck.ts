import type { Labels } from '@homeostat/contracts';
import type { Logger } from 'pino';
import { matchRule } from '../policy/match';
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

interface Plan {
  everyMs: number;
  deadline: number;
  /** A new verdict read once: it must be read again before it counts (one evaluation is no verdict). */
  seen: string | null;
}

/**
 * Watches the alerts of incidents skipped as a symptom, so a verdict that changes while the alert
 * fires is acted on. The detector's `root_cause` annotation changes from one rule evaluation to the
 * next, but Alertmanager notifies only when a group's alerts change, so the remediator never hears
 * of it. In a chaos campaign an error spike on orders began while orders' alert was still firing
 * from the crash before it: the alert had been skipped as a symptom of the gateway, and the error
 * spike, which the detector then ranked orders' own, was never healed.
 *
 * Each watched alert is read again every `everyMs` (the rule's verification interval), all due ones
 * in one read. Only `root_cause` decides: a new, non-empty verdict read twice in a row ends the
 * wait with the alert's new annotations (its `top_feature` too, when a rule still matches with it;
 * else the old ones with the new verdict) and the incident is decided again. An empty verdict (the
 * detector's incident closed while the alert is held firing) is no new verdict; an unchanged or
 * unreadable read records nothing. After `deadline` (the rule's verification timeout) the incident
 * is decided again anyway, as before. Plans live in memory: after a restart a due watch is decided
 * again, which plans it anew.
 */
export class VerdictRecheck {
  private readonly plans = new Map<string, Plan>();
  /** Incidents whose alert is being read now: the engine's timer leaves them out. */
  readonly reading = new Set<string>();

  constructor(private readonly d: VerdictRecheckDeps) {}

  /**
   * Watches a symptom's verdict; false when no verdict can be read (no Prometheus or Alertmanager
   * configured): the symptom then waits out its verification window.
   */
  watch(incidentId: string, everyMs: number, deadline: number): boolean {
    if (typeof this.d.alerts?.annotations !== 'function') return false;
    this.plans.set(incidentId, { everyMs, deadline, seen: null });
    return true;
  }

  /**
   * Reads the due watches' alerts; returns the incidents to decide again (their waits ended) and
   * how many writes failed. A failed write never loses another incident's decision: each wait is
   * written on its own, and those already ended are returned whatever fails after them (a wait
   * whose write failed stays, and is read again). Writes nothing once `signal` is aborted: a
   * stopped engine's incidents stay owned by their waits.
   */
  async due(waits: readonly Wait[], signal: AbortSignal): Promise<{ decide: string[]; failed: number }> {
    const decide: string[] = [];
    let failed = 0;
    const each = (id: string, write: () => boolean) => {
      try {
        if (write()) decide.push(id);
      } catch (e) {
        failed++;
        this.d.log.warn({ err: e, incidentId: id }, 'could not record a verdict read: read again later');
      }
    };
    const read: {
      id: string;
      inc: NonNullable<ReturnType<VerdictRecheckDeps['store']['incidentRow']>>;
      plan: Plan;
    }[] = [];
    for (const w of waits) {
      const plan = this.plans.get(w.incidentId);
      const inc = this.d.store.incidentRow(w.incidentId);
      if (inc && plan && this.d.clock.now() < plan.deadline) {
        read.push({ id: w.incidentId, inc, plan });
        continue;
      }
      each(w.incidentId, () => {
        this.d.waits.clear(w.incidentId);
        this.plans.delete(w.incidentId);
        return inc !== null;
      });
    }
    if (read.length === 0) return { decide, failed };
    for (const r of read) this.reading.add(r.id);
    try {
      let now: (Labels | null)[];
      try {
        now = await this.d.alerts!.annotations!(
          read.map(({ inc }) => ({ fingerprint: inc.fingerprint, labels: inc.labels, source: inc.source })),
          signal,
        );
      } catch (e) {
        if (!signal.aborted)
          this.d.log.warn({ err: e }, 'could not read the alerts: their verdicts are read again later');
        now = read.map(() => null);
      }
      if (signal.aborted) return { decide: [], failed };
      for (const [i, r] of read.entries())
        each(r.id, () => this.apply(r.id, r.inc.annotations, r.inc.labels, r.plan, now[i] ?? null));
    } finally {
      for (const r of read) this.reading.delete(r.id);
    }
    return { decide, failed };
  }

  private apply(id: string, was: Labels, labels: Labels, plan: Plan, now: Labels | null): boolean {
    const fresh = now?.[ROOT_CAUSE]?.trim() ?? '';
    const old = was[ROOT_CAUSE]?.trim() ?? '';
    if (!now || !fresh || fresh === old || plan.seen !== fresh) {
      plan.seen = now && fresh && fresh !== old ? fresh : null;
      this.d.waits.repark(id, this.d.clock.now() + plan.everyMs);
      return false;
    }
    // the alert's annotations of now, unless no rule matches them (a top_feature that is empty or
    // of no rule's): the verdict alone then, under the rule it was decided by
    const merged = { ...was, ...now };
    const annotations = matchRule(this.d.policy, labels, merged) ? merged : { ...was, [ROOT_CAUSE]: fresh };
    const ended = this.d.waits.verdictChanged(
      id,
      annotations,
      {
        why: `the detector's verdict changed while the alert fired: ${old || '(none)'} -> ${fresh}`,
        changed: [ROOT_CAUSE],
      },
      this.d.clock.now(),
    );
    this.plans.delete(id);
    return ended;
  }
}
