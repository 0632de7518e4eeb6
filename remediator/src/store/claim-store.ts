import type { Target } from '@homeostat/contracts';
import type { RuleState } from '../policy/decide';
import type { Rule } from '../policy/policy-schema';

/** A target an incident holds: nothing else acts on it until the claim is released. */
export interface Claim {
  id: string;
  targetKey: string;
  incidentId: string;
  rule: string;
  /** The action the claim covers, once it was started. */
  actionId: string | null;
  claimedAt: number;
}

/** Reads the guard state decide() needs, inside the claim's transaction. */
export type GuardReader = (rule: Rule, target: Target) => RuleState;

export interface ClaimRequest {
  target: Target;
  rule: string;
  incidentId: string;
}

/**
 * One claim per target across rules, alerts and (with a shared database) replicas. `decide`
 * reads cooldown, budget, blast radius and the current holder through the reader and says what
 * to claim; the check and the write are one atomic step, so two decisions can never both see a
 * free target. The SQLite implementation is one synchronous transaction; a PostgreSQL one (HA,
 * issue 15) would run the same reads and the insert in one SERIALIZABLE transaction, the
 * `target_key` primary key being the final arbiter in both.
 */
export interface ClaimStore {
  decideAndClaim<T>(
    incidentId: string,
    now: number,
    decide: (guard: GuardReader) => { result: T; claim: ClaimRequest | null },
  ): { result: T; claim: Claim | null; lost: boolean };
  /** Links the claim to the action it covers (recover() finds it again through the action). */
  attach(claimId: string, actionId: string): void;
  /** Releases the claim; returns it, or null when it was already released. */
  release(claimId: string): Claim | null;
  /** Takes a target for an action that is already running (verification resumed after a restart). */
  adopt(req: ClaimRequest, actionId: string, now: number): Claim;
  held(): Claim[];
  /** Drops every claim (at start-up: the process that held them is gone). */
  releaseAll(): Claim[];
}
