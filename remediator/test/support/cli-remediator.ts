import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnDaemon, waitFor, type Daemon } from '@homeostat/testkit';
import { stringify } from 'yaml';

const PKG = join(__dirname, '..', '..');
const CLI = join(PKG, 'dist', 'cli', 'main.js');

/**
 * The CLI runs from dist, which CI builds before the tests (.ci/run). Refuses a dist older than
 * its sources instead of rebuilding: a build from a test would rewrite dist under the remediator
 * processes other test files start at the same time.
 */
export function assertBuilt(): void {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const src = join(dir, e.name);
      if (e.isDirectory()) walk(src);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
        const out = join(PKG, 'dist', relative(join(PKG, 'src'), src)).replace(/\.ts$/, '.js');
        let built = 0;
        try {
          built = statSync(out).mtimeMs;
        } catch {
          // not built
        }
        if (built < statSync(src).mtimeMs) stale.push(relative(PKG, src));
      }
    }
  };
  walk(join(PKG, 'src'));
  if (stale.length)
    throw new Error(
      `dist is older than ${stale.join(', ')}: run npm run build -w @homeostat/remediator first`,
    );
}

/**
 * Starts the shipped CLI (`homeostat-remediate serve`) on `config` (written as YAML into `dir`)
 * as its own process, so a test can SIGKILL it; resolves once /readyz answers.
 */
export async function serveCli(o: {
  dir: string;
  name: string;
  config: { server: { port: number } & Record<string, unknown> } & Record<string, unknown>;
}): Promise<Daemon> {
  const file = join(o.dir, `${o.name}.yml`);
  writeFileSync(file, stringify(o.config));
  const port = o.config.server.port;
  const url = `http://127.0.0.1:${port}`;
  const d = spawnDaemon(process.execPath, [CLI, 'serve', '--config', file], {
    dir: o.dir,
    port,
    url,
    name: o.name,
  });
  return whenReady(d, o.name);
}

/** Resolves once the remediator process answers /readyz; one that never does is killed. */
export async function whenReady(d: Daemon, name: string): Promise<Daemon> {
  await waitFor(`${name} ready (log: ${d.logFile})`, async () => (await fetch(`${d.url}/readyz`)).ok, {
    timeoutMs: 30_000,
  }).catch(async (e: unknown) => {
    await d.stop({ signal: 'SIGKILL' });
    throw e;
  });
  return d;
}
