import { createHash, timingSafeEqual } from 'node:crypto';
import { RemediatorError } from '../errors';

export interface Credentials {
  bearerTokens: string[];
  basic: { username: string; password: string }[];
  disabled: boolean;
}

// Hashing both sides first makes the compare constant-time regardless of the secrets' lengths.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
const same = (a: Buffer, b: string): boolean => timingSafeEqual(a, digest(b));

/**
 * Checks an Authorization header the way Alertmanager's http_config sends it (`Bearer <token>` from
 * `authorization`, `Basic base64(user:pass)` from `basic_auth`). Every configured credential is
 * compared, so timing does not reveal which one matched. Throws UNAUTHORIZED.
 */
export function createAuthCheck(creds: Credentials): (header: string | undefined) => void {
  if (creds.disabled) return () => undefined;
  const tokens = creds.bearerTokens.map(digest);
  const basics = creds.basic.map((b) => digest(`${b.username}:${b.password}`));
  return (header) => {
    if (tokens.length === 0 && basics.length === 0) {
      throw new RemediatorError('UNAUTHORIZED', 'no webhook credentials configured', {
        field: 'authorization',
      });
    }
    if (!header)
      throw new RemediatorError('UNAUTHORIZED', 'missing Authorization header', { field: 'authorization' });
    const sp = header.indexOf(' ');
    const scheme = header.slice(0, sp).toLowerCase();
    const value = header.slice(sp + 1).trim();
    let ok = false;
    if (scheme === 'bearer') {
      for (const t of tokens) ok = same(t, value) || ok;
    } else if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      for (const b of basics) ok = same(b, decoded) || ok;
    }
    if (!ok) throw new RemediatorError('UNAUTHORIZED', 'invalid credentials', { field: 'authorization' });
  };
}
