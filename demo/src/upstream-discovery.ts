import { lookup } from 'node:dns/promises';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { issuePath } from '@homeostat/contracts';
import { DemoError } from './errors';
import type { UpstreamRegistry } from './upstream-registry';

/** The upstreams file: `{ "orders": ["http://127.0.0.1:8101", ...], ... }` as JSON or YAML. */
export const UpstreamsFile = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.array(z.string().url()));
export type UpstreamsFile = z.infer<typeof UpstreamsFile>;

export function parseUpstreamsFile(text: string, path: string): UpstreamsFile {
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON
  } catch (e) {
    throw new DemoError('BAD_CONFIG', `${path}: not YAML/JSON: ${(e as Error).message}`, 400);
  }
  const parsed = UpstreamsFile.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DemoError(
      'BAD_CONFIG',
      `${path}: ${issuePath(issue.path) || '(root)'}: ${issue.message}`,
      400,
      issuePath(issue.path),
    );
  }
  return parsed.data;
}

export interface Discovery {
  stop(): void;
}

/**
 * Polls the upstreams file (mtime) and applies it; a broken edit is logged and the previous
 * replicas stay, so a typo never empties the routing table.
 */
export async function watchUpstreamsFile(
  path: string,
  registry: UpstreamRegistry,
  log: Logger,
  intervalMs: number,
): Promise<Discovery> {
  let lastMtime = -1;
  const check = async (initial: boolean) => {
    try {
      const s = await stat(path);
      if (s.mtimeMs === lastMtime) return;
      lastMtime = s.mtimeMs;
      const file = parseUpstreamsFile(await readFile(path, 'utf8'), path);
      registry.applySource('file', file);
      log.info({ path, services: Object.keys(file) }, 'upstreams file applied');
    } catch (e) {
      if (initial)
        throw e instanceof DemoError
          ? e
          : new DemoError('BAD_CONFIG', `${path}: ${(e as Error).message}`, 400);
      log.error({ path, err: (e as Error).message }, 'upstreams file not applied; keeping previous replicas');
    }
  };
  await check(true);
  const timer = setInterval(() => void check(false), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Resolves `host` to all its addresses on an interval: with Docker's embedded DNS (or a
 * Kubernetes headless service) every replica of a scaled service is one address.
 */
export function watchDns(
  targets: Array<{ service: string; host: string; port: number }>,
  registry: UpstreamRegistry,
  log: Logger,
  intervalMs: number,
): Discovery {
  const resolveAll = async () => {
    const byService: Record<string, string[]> = {};
    for (const t of targets) {
      byService[t.service] ??= [];
      try {
        const addrs = await lookup(t.host, { all: true });
        for (const a of addrs)
          byService[t.service].push(`http://${a.family === 6 ? `[${a.address}]` : a.address}:${t.port}`);
      } catch (e) {
        // a name that does not resolve (all replicas gone) simply has no replicas now
        log.warn({ host: t.host, err: (e as Error).message }, 'DNS lookup failed');
      }
    }
    registry.applySource('dns', byService);
  };
  void resolveAll();
  const timer = setInterval(() => void resolveAll(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
