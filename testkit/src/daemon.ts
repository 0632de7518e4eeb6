import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A child process started by a test, with its own temp dir, log file and a stop() that never throws. */
export interface Daemon {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s. Keeps the temp dir unless `removeDir` (data survives a restart). */
  stop(opts?: { removeDir?: boolean; signal?: NodeJS.Signals }): Promise<void>;
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `homeostat-${prefix}-`));
}

export function spawnDaemon(
  bin: string,
  args: string[],
  {
    dir,
    port,
    url,
    name,
    env = {},
    user,
  }: {
    dir: string;
    port: number;
    url: string;
    name: string;
    env?: Record<string, string>;
    /** Run as this uid/gid (a root test process starting a server that refuses root). */
    user?: { uid: number; gid: number };
  },
): Daemon {
  const logFile = join(dir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  // process.env is passed explicitly: under jest it is a sandboxed copy, and a child spawned without
  // `env` would not see variables the test (or a stack starter) set, such as HOMEOSTAT_ADMIN_TOKEN.
  const child = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    ...(user ?? {}),
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.on('error', (e) => log.write(`spawn error: ${e.message}\n`));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    port,
    dir,
    logFile,
    child,
    async stop({ removeDir = false, signal = 'SIGTERM' } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (removeDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
