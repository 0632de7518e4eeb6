import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnDaemon, waitFor, type Daemon } from '@homeostat/testkit';
import { stringify } from 'yaml';

const PKG = join(__dirname, '..', '..');
const CLI = join(PKG, 'dist', 'cli', 'main.js');

/** The CLI runs from dist: builds contracts and the remediator (once per test file). */
export function buildCli(): void {
  execFileSync('npm', ['run', 'build', '-w', '@homeostat/contracts', '-w', '@homeostat/remediator'], {
    cwd: join(PKG, '..'),
    stdio: 'ignore',
  });
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
