import { createAccessGuard, type AccessSwitches } from '@homeostat/contracts/access';
import { RemediatorError } from '../errors';

/**
 * What a route needs. `webhook`: Alertmanager / Grafana contact points posting alerts. `read`: the
 * audit API (incidents, actions, timeline, kill-switch state), e.g. the Grafana datasource through
 * its data proxy. `operate`: approvals and the kill switch. `open`: /metrics, /healthz, /readyz,
 * /openapi.json.
 */
export type Access = 'webhook' | 'read' | 'operate' | 'open';

export interface Credentials extends AccessSwitches {
  /** Webhook senders: `Authorization: Bearer` as Alertmanager's http_config.authorization sends it. */
  webhookTokens: string[];
  /** Webhook senders using http_config.basic_auth. */
  webhookBasic: { username: string; password: string }[];
  readerTokens: string[];
  /** Operators may also read. */
  operatorTokens: string[];
}

export type AccessCheck = (header: string | undefined, need: Access) => void;

const NEEDED: Record<Exclude<Access, 'open'>, string> = {
  webhook: 'the webhook credential (auth.bearerTokens / auth.basic)',
  read: 'a reader or operator token (auth.readerTokens / auth.operatorTokens)',
  operate: 'an operator token (auth.operatorTokens)',
};

/**
 * Least privilege over three credentials: the token Alertmanager holds cannot approve or stop
 * anything, the reader token Grafana holds cannot post alerts or act. Throws UNAUTHORIZED (no or
 * unknown credential) or FORBIDDEN (a known credential of another role), both naming
 * `authorization`. The constant-time comparison is @homeostat/contracts/access's.
 */
export function createAccessCheck(c: Credentials): AccessCheck {
  return createAccessGuard<'webhook' | 'reader' | 'operator', Exclude<Access, 'open'>>(
    {
      credentials: {
        bearer: { webhook: c.webhookTokens, reader: c.readerTokens, operator: c.operatorTokens },
        basic: { webhook: c.webhookBasic },
      },
      grants: { webhook: ['webhook'], reader: ['read'], operator: ['read', 'operate'] },
      anonymous: c.anonymousReads ? ['read'] : [],
      disabled: c.disabled,
    },
    NEEDED,
    (code, message) => new RemediatorError(code, message, { field: 'authorization' }),
  );
}
