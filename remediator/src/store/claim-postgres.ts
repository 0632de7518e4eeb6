import type Database from 'better-sqlite3';
import { targetKey } from '../policy/match';
import type { AuditSqlite } from '../sinks/audit-sqlite';
import { ClaimSqlite } from './claim-sqlite';
import type { Claim, ClaimRequest, ClaimStore, GuardReader } from './claim-store';

const SQL = {
  lock: 'SELECT pg_advisory_xact_lock(hashtext(?))',
} as const;

/**
 * The ClaimStore on PostgreSQL, shared by replicas. SQLite has one writer, so its transaction alone
 * makes check-and-claim atomic; PostgreSQL's READ COMMITTED does not. Here the transaction first
 * takes advisory locks on the rule (budget, blast radius) and the target (cooldown, holder), always
 * in that order, so two replicas deciding on the same rule or target run one after the other and
 * the second reads what the first committed. Claims not yet started count against the budget
 * (ClaimSqlite's guard reads them, on both stores).
 * The `target_key` primary key stays the final arbiter.
 */
export class ClaimPostgres implements ClaimStore {
  private readonly inner: ClaimSqlite;
  private readonly st: { [K in keyof typeof SQL]: Database.Statement };

  constructor(private readonly audit: Pick<AuditSqlite, 'db' | 'appendAudit' | 'inTransaction'>) {
    this.inner = new ClaimSqlite(audit);
    this.st = { lock: audit.db.prepare(SQL.lock) };
  }

  decideAndClaim<T>(
    incidentId: string,
    now: number,
    decide: (guard: GuardReader) => { result: T; claim: ClaimRequest | null },
  ): { result: T; claim: Claim | null; lost: boolean } {
    // the inner transaction holds the locks, the reads and the claim
    return this.inner.decideAndClaim(incidentId, now, (guard) =>
      decide((rule, target) => {
        this.st.lock.get(`rule:${rule.name}`);
        this.st.lock.get(`target:${targetKey(target)}`);
        return guard(rule, target);
      }),
    );
  }

  attach(claimId: string, actionId: string): void {
    this.inner.attach(claimId, actionId);
  }
  release(claimId: string): Claim | null {
    return this.inner.release(claimId);
  }
  adopt(req: ClaimRequest, actionId: string, now: number): Claim {
    return this.inner.adopt(req, actionId, now);
  }
  held(): Claim[] {
    return this.inner.held();
  }
  releaseAll(): Claim[] {
    return this.inner.releaseAll();
  }
}
