import { createHash, timingSafeEqual } from 'node:crypto';
import { RemediatorError } from '../errors';

/**
 * What a route needs. `webhook`: Alertmanager / Grafana contact points posting alerts. `read`: the
 * audit API (incidents, actions, timeline, kill-switch state), e.g. the Grafana datasource through
 * its data proxy. `operate`: approvals and the kill switch. `open`: /metrics, /healthz, /readyz,
 * /openapi.json.
 */
export type Access = 'webhook' | 'read' | 'operate' | 'open';

export interface Credentials {
  /** Webhook senders: `Authorization: Bearer` as Alertmanager's http_config.authorization sends it. */
  webhookTokens: string[];
  /** Webhook senders using http_config.basic_auth. */
  webhookBasic: { username: string; password: string }[];
  readerTokens: string[];
  /** Operators may also read. */
  operatorTokens: string[];
  /** Reads without a credential: only when the config says so (a local demo). */
  anonymousReads: boolean;
  /** Everything open (local experiments only). */
  disabled: boolean;
}

export type AccessCheck = (header: string | undefined, need: Access) => void;

// Hashing both sides first makes the compare constant-time regardless of the secrets' lengths.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares against every entry (no early exit), so timing does not reveal which one matched. */
function anyMatches(known: Buffer[], presented: Buffer): boolean {
  let ok = false;
  for (const k of known) ok = timingSafeEqual(k, presented) || ok;
  return ok;
}

const GRANTS: Record<'webhook' | 'reader' | 'operator', readonly Access[]> = {
  webhook: ['webhook'],
  reader: ['read'],
  operator: ['read', 'operate'],
};

const NEEDED: Record<Exclude<Access, 'open'>, string> = {
  webhook: 'the webhook credential (auth.bearerTokens / auth.basic)',
  read: 'a reader or operator token (auth.readerTokens / auth.operatorTokens)',
  operate: 'an operator token (auth.operatorTokens)',
};

/**
 * Least privilege over three credentials: the token Alertmanager holds cannot approve or stop
 * anything, the reader token Grafana holds cannot post alerts or act. Throws UNAUTHORIZED (no or
 * unknown credential) or FORBIDDEN (a known credential of another role), both naming
 * `authorization`.
 */
export function createAccessCheck(c: Credentials): AccessCheck {
  const tokens = {
    webhook: c.webhookTokens.map(digest),
    reader: c.readerTokens.map(digest),
    operator: c.operatorTokens.map(digest),
  };
  const basics = c.webhookBasic.map((b) => digest(`${b.username}:${b.password}`));
  return (header, need) => {
    if (need === 'open' || c.disabled) return;
    if (need === 'read' && c.anonymousReads) return;
    if (!header)
      throw new RemediatorError('UNAUTHORIZED', `missing Authorization header: send ${NEEDED[need]}`, {
        field: 'authorization',
      });
    const sp = header.indexOf(' ');
    const scheme = sp < 0 ? header.toLowerCase() : header.slice(0, sp).toLowerCase();
    const value = sp < 0 ? '' : header.slice(sp + 1).trim();
    const granted = new Set<Access>();
    if (scheme === 'bearer') {
      const presented = digest(value);
      for (const role of ['webhook', 'reader', 'operator'] as const)
        if (anyMatches(tokens[role], presented)) for (const g of GRANTS[role]) granted.add(g);
    } else if (scheme === 'basic') {
      if (anyMatches(basics, digest(Buffer.from(value, 'base64').toString('utf8')))) granted.add('webhook');
    }
    if (granted.has(need)) return;
    if (granted.size === 0)
      throw new RemediatorError('UNAUTHORIZED', `invalid credentials: send ${NEEDED[need]}`, {
        field: 'authorization',
      });
    throw new RemediatorError('FORBIDDEN', `this credential may not do this: send ${NEEDED[need]}`, {
      field: 'authorization',
    });
  };
}
