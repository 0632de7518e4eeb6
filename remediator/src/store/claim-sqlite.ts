import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { targetKey } from '../policy/match';
import type { AuditSqlite } from '../sinks/audit-sqlite';
import type { Claim, ClaimRequest, ClaimStore, GuardReader } from './claim-store';

/** Results that touched nothing: they neither start a cooldown nor spend the budget. */
const NOT_ACTED = "('skipped', 'pending_approval', 'dry_run')";

const SQL = {
  lastOnTarget: `SELECT MAX(started_at) AS t FROM actions WHERE target_key = ? AND result NOT IN ${NOT_ACTED}`,
  // A claim not started yet (no action row) will spend the budget once it acts: counted too, or
  // incidents claiming other targets of the rule before that start would all pass the check.
  actionTimes: `SELECT started_at AS t FROM actions WHERE rule = @rule AND started_at > @since AND result NOT IN ${NOT_ACTED}
                UNION ALL SELECT claimed_at AS t FROM claims WHERE rule = @rule AND action_id IS NULL AND claimed_at > @since`,
  attempts: `SELECT COUNT(*) AS n FROM actions WHERE incident_id = ? AND result NOT IN ('skipped', 'pending_approval')`,
  inFlight: 'SELECT COUNT(*) AS n FROM claims WHERE rule = ? AND target_key != ?',
  holder: 'SELECT incident_id AS incidentId FROM claims WHERE target_key = ?',
  insert: `INSERT OR IGNORE INTO claims (target_key, id, incident_id, rule, action_id, claimed_at)
           VALUES (@targetKey, @id, @incidentId, @rule, @actionId, @claimedAt)`,
  attach: 'UPDATE claims SET action_id = ? WHERE id = ?',
  get: `SELECT id, target_key AS targetKey, incident_id AS incidentId, rule, action_id AS actionId,
           claimed_at AS claimedAt FROM claims WHERE id = ?`,
  all: `SELECT id, target_key AS targetKey, incident_id AS incidentId, rule, action_id AS actionId,
           claimed_at AS claimedAt FROM claims ORDER BY claimed_at`,
  remove: 'DELETE FROM claims WHERE id = ?',
} as const;

/** The ClaimStore on the audit database: the check and the claim are one SQLite transaction. */
export class ClaimSqlite implements ClaimStore {
  private readonly st: { [K in keyof typeof SQL]: Database.Statement };

  constructor(private readonly audit: Pick<AuditSqlite, 'db' | 'appendAudit' | 'inTransaction'>) {
    const st: Partial<Record<keyof typeof SQL, Database.Statement>> = {};
    for (const k of Object.keys(SQL) as (keyof typeof SQL)[]) st[k] = audit.db.prepare(SQL[k]);
    this.st = st as ClaimSqlite['st'];
  }

  decideAndClaim<T>(
    incidentId: string,
    now: number,
    decide: (guard: GuardReader) => { result: T; claim: ClaimRequest | null },
  ): { result: T; claim: Claim | null; lost: boolean } {
    return this.audit.inTransaction(() => {
      const { result, claim } = decide((rule, target) => {
        const key = targetKey(target);
        return {
          lastActionAt: (this.st.lastOnTarget.get(key) as { t: number | null }).t,
          actionTimes: (
            this.st.actionTimes.all({ rule: rule.name, since: now - rule.budget.windowSeconds * 1000 }) as {
              t: number;
            }[]
          ).map((r) => r.t),
          attempts: (this.st.attempts.get(incidentId) as { n: number }).n,
          inFlight: (this.st.inFlight.get(rule.name, key) as { n: number }).n,
          heldBy: (this.st.holder.get(key) as { incidentId: string } | undefined)?.incidentId ?? null,
        };
      });
      if (!claim) return { result, claim: null, lost: false };
      const c = this.insert(claim, null, now);
      return { result, claim: c, lost: c === null };
    });
  }

  attach(claimId: string, actionId: string): void {
    this.st.attach.run(actionId, claimId);
  }

  release(claimId: string): Claim | null {
    return this.audit.inTransaction(() => {
      const c = (this.st.get.get(claimId) as Claim | undefined) ?? null;
      if (!c) return null;
      this.st.remove.run(claimId);
      this.audit.appendAudit('claim_released', c.incidentId, c.actionId, { target: c.targetKey });
      return c;
    });
  }

  adopt(req: ClaimRequest, actionId: string, now: number): Claim {
    const c = this.insert(req, actionId, now);
    if (!c) throw new Error(`target ${targetKey(req.target)} is already claimed`);
    return c;
  }

  held(): Claim[] {
    return this.st.all.all() as Claim[];
  }

  releaseAll(): Claim[] {
    return this.audit.inTransaction(() => {
      const all = this.held();
      for (const c of all) this.release(c.id);
      return all;
    });
  }

  private insert(req: ClaimRequest, actionId: string | null, now: number): Claim | null {
    const c: Claim = {
      id: randomUUID(),
      targetKey: targetKey(req.target),
      incidentId: req.incidentId,
      rule: req.rule,
      actionId,
      claimedAt: now,
    };
    if (this.st.insert.run(c).changes === 0) return null;
    this.audit.appendAudit('claim', c.incidentId, actionId, { target: c.targetKey, rule: c.rule }, now);
    return c;
  }
}
