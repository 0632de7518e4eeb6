import { createHash, timingSafeEqual } from 'node:crypto';

/** A username and password accepted through `Authorization: Basic` (Alertmanager's basic_auth). */
export interface BasicCredential {
  username: string;
  password: string;
}

/**
 * The credentials of a service's roles: bearer tokens per role, and optionally basic-auth pairs per
 * role. A role with no entry holds nothing (every request that needs only it is refused).
 */
export interface RoleCredentials<Role extends string> {
  bearer: Record<Role, readonly string[]>;
  basic?: Partial<Record<Role, readonly BasicCredential[]>>;
}

/** Why a request is refused: no Authorization header, a credential no role holds, or a known one without the grant. */
export type Refusal = 'missing' | 'unknown' | 'forbidden';

export interface AccessPolicy<Role extends string, Need extends string> {
  credentials: RoleCredentials<Role>;
  /** What each role may do (e.g. operators may also read). */
  grants: Record<Role, readonly Need[]>;
  /** What needs no credential at all (e.g. reads, when the config says `anonymousReads: true`). */
  anonymous?: readonly Need[];
  /** Everything open (local experiments only). */
  disabled?: boolean;
}

const REASON: Record<Refusal, string> = {
  missing: 'missing Authorization header',
  unknown: 'invalid credentials',
  forbidden: 'this credential may not do this',
};

/** The message of a refusal, ending with the credential to send (`needed`, e.g. "a reader token (auth.readerTokens)"). */
function refusalMessage(r: Refusal, needed: string): string {
  return `${REASON[r]}: send ${needed}`;
}

/** Answers `null` when the request may go on, else why not; each service maps that to its own coded error. */
export type CredentialCheck<Need extends string> = (header: string | undefined, need: Need) => Refusal | null;

// Hashing both sides first makes the compare constant-time whatever the secrets' lengths.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares against every entry (no early exit), so timing does not reveal which one matched. */
function anyMatches(known: readonly Buffer[], presented: Buffer): boolean {
  let ok = false;
  for (const k of known) ok = timingSafeEqual(k, presented) || ok;
  return ok;
}

/**
 * Least privilege over bearer (and basic) credentials, shared by the services so every one of them
 * compares secrets the same way: in constant time, over every configured credential. The scheme is
 * case-insensitive (`bearer x` is `Bearer x`); a basic credential is `user:password` in base64.
 */
export function createCredentialCheck<Role extends string, Need extends string>(
  p: AccessPolicy<Role, Need>,
): CredentialCheck<Need> {
  const roles = Object.keys(p.grants) as Role[];
  const bearer = roles.map((r) => ({ role: r, known: (p.credentials.bearer[r] ?? []).map(digest) }));
  const basic = roles.map((r) => ({
    role: r,
    known: (p.credentials.basic?.[r] ?? []).map((b) => digest(`${b.username}:${b.password}`)),
  }));
  const anonymous = new Set<Need>(p.anonymous ?? []);
  return (header, need) => {
    if (p.disabled || anonymous.has(need)) return null;
    if (!header) return 'missing';
    const sp = header.indexOf(' ');
    const scheme = sp < 0 ? header.toLowerCase() : header.slice(0, sp).toLowerCase();
    const value = sp < 0 ? '' : header.slice(sp + 1).trim();
    // an empty credential never matches, even if a misconfigured role held an empty token
    if (!value) return 'unknown';
    const table = scheme === 'bearer' ? bearer : scheme === 'basic' ? basic : [];
    const presented = digest(scheme === 'basic' ? Buffer.from(value, 'base64').toString('utf8') : value);
    const granted = new Set<Need>();
    let known = false;
    for (const { role, known: k } of table)
      if (anyMatches(k, presented)) {
        known = true;
        for (const g of p.grants[role]) granted.add(g);
      }
    if (granted.has(need)) return null;
    return known ? 'forbidden' : 'unknown';
  };
}

/** The two switches every service's auth section has besides its tokens. */
export interface AccessSwitches {
  /** Reads without a credential: only when the config says so (a local demo). */
  anonymousReads: boolean;
  /** Everything open (local experiments only). */
  disabled: boolean;
}

/** Builds a service's own coded error for a refusal; its HTTP edge maps it to 401 / 403. */
export type RefusalError = (code: 'UNAUTHORIZED' | 'FORBIDDEN', message: string) => Error;

/** Passes `open` and what the policy allows; throws the service's own error otherwise. */
export type AccessGuard<Need extends string> = (header: string | undefined, need: Need | 'open') => void;

/**
 * A route guard over createCredentialCheck: a missing or unknown credential is UNAUTHORIZED, a known
 * one without the grant FORBIDDEN, the message naming what to send (`needed[need]`).
 */
export function createAccessGuard<Role extends string, Need extends string>(
  p: AccessPolicy<Role, Need>,
  needed: Record<Need, string>,
  toError: RefusalError,
): AccessGuard<Need> {
  const check = createCredentialCheck(p);
  return (header, need) => {
    if (need === 'open') return;
    const refusal = check(header, need as Need);
    if (refusal === null) return;
    throw toError(
      refusal === 'forbidden' ? 'FORBIDDEN' : 'UNAUTHORIZED',
      refusalMessage(refusal, needed[need as Need]),
    );
  };
}
