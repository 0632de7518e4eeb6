import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { DemoError } from './errors';

/** Used when HOMEOSTAT_ADMIN_TOKEN is unset, so the local demo works out of the box (with a warning). */
export const DEFAULT_DEV_TOKEN = 'homeostat-dev-token';

export function adminTokenFromEnv(env: NodeJS.ProcessEnv, log: Logger): string {
  const t = env.HOMEOSTAT_ADMIN_TOKEN;
  if (t && t.length > 0) return t;
  log.warn(
    `HOMEOSTAT_ADMIN_TOKEN is not set: the admin API accepts the documented dev token "${DEFAULT_DEV_TOKEN}". Set it outside a local demo.`,
  );
  return DEFAULT_DEV_TOKEN;
}

/** Throws UNAUTHORIZED (401) unless the Authorization header is `Bearer <token>`. */
export function checkBearer(header: string | undefined, token: string): void {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m)
    throw new DemoError(
      'UNAUTHORIZED',
      'admin API needs "Authorization: Bearer <HOMEOSTAT_ADMIN_TOKEN>"',
      401,
      'authorization',
    );
  const given = Buffer.from(m[1].trim());
  const want = Buffer.from(token);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new DemoError('UNAUTHORIZED', 'admin token does not match', 401, 'authorization');
  }
}
