import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Daemon } from '@homeostat/testkit';
import { requireBuilt } from './ensure-built';
import { ENTRY_POINTS } from './repo-paths';
import { startDaemon } from './start-daemon';

export type HomeostatService = 'detector' | 'remediator';

/**
 * When the service serves. The remediator is recognised by its own OpenAPI document (open to
 * anyone, unlike its API routes): a demo backend answering /healthz on a reused port must not pass.
 */
const READY: Record<HomeostatService, string | ((url: string) => Promise<boolean>)> = {
  detector: '/healthz',
  remediator: async (url) => {
    const r = await fetch(`${url}/openapi.json`);
    return r.ok && ((await r.json()) as { info?: { title?: string } }).info?.title === 'Homeostat remediator';
  },
};

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
