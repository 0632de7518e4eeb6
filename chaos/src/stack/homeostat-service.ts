import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Daemon } from '@homeostat/testkit';
import { requireBuilt } from './ensure-built';
import { ENTRY_POINTS } from './repo-paths';
import { startDaemon } from './start-daemon';

export type HomeostatService = 'detector' | 'remediator';

/**
 * The route that answers once the service serves. The remediator's is its own kill-switch route:
 * a demo backend answering /healthz on a reused port must not pass for it.
 */
const READY: Record<HomeostatService, string> = { detector: '/healthz', remediator: '/api/v1/kill-switch' };

/**
 * Starts Homeostat's detector or remediator as its users do: the built CLI's `serve` with `config`
 * written to `<dir>/<service>.yml` (building the package first if its dist/ is missing).
 */
export async function startHomeostatService(
  service: HomeostatService,
  o: { dir: string; port: number; config: Record<string, unknown>; env?: Record<string, string>; log?: (msg: string) => void },
): Promise<Daemon> {
  requireBuilt([service], o.log);
  const file = join(o.dir, `${service}.yml`);
  writeFileSync(file, stringify(o.config));
  return startDaemon(service, process.execPath, [ENTRY_POINTS[service], 'serve', '--config', file], {
    dir: o.dir,
    port: o.port,
    ready: READY[service],
    env: o.env,
    log: o.log,
  });
}
