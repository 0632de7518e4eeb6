import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnDaemon, type Daemon } from '@homeostat/testkit';
import { whenReady } from './cli-remediator';
import { TOKEN } from './remediator';

const REPLICA = join(__dirname, '..', 'fixtures', 'ha-replica.js');

/** One call the stand-in platform carried out (test/fixtures/ha-replica.js). */
export interface PlatformCall {
  pid: number;
  target: string;
  action: string;
  incidentId: string;
}

/** Runs SQL with psql against `url`; the output unaligned, one row a line. */
export const psql = (url: string, sql: string): string =>
  execFileSync('psql', [url, '-XAtqc', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A verification that passes at once: these tests are about who acts, not about healing. */
export const QUICK_VERIFY = {
  timeoutSeconds: 5,
  stableSeconds: 0,
  intervalSeconds: 0.2,
  scoreQuery: '',
  requireResolved: false,
};

/**
 * Starts one remediator replica as its own process on the shared PostgreSQL, with the webhook
 * token TOKEN and a platform that appends every call to `calls`; resolves once /readyz answers.
 */
export async function startReplica(o: {
  name: string;
  dir: string;
  stateUrl: string;
  calls: string;
  policy: Record<string, unknown>;
  port?: number;
}): Promise<Daemon> {
  const port = o.port ?? (await freePort());
  const config = {
    server: { port, logLevel: 'warn' },
    auth: { bearerTokens: [{ value: TOKEN }] },
    state: { url: o.stateUrl, pollMs: 100 },
    policy: o.policy,
  };
  const url = `http://127.0.0.1:${port}`;
  const d = spawnDaemon(process.execPath, [REPLICA, JSON.stringify(config), o.calls], {
    dir: o.dir,
    port,
    url,
    name: o.name,
  });
  return whenReady(d, o.name);
}

export function readCalls(file: string): PlatformCall[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PlatformCall);
}
