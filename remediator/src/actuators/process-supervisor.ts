import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ProcessGroupConfig } from '../config';
import { RemediatorError } from '../errors';
import { isSameProcess, parsePidFile, readIdentity } from './process-identity';

/** One supervised replica of a process group. */
export interface Replica {
  port: number;
  child: ChildProcess | null;
  /** Spawned by scale_out (scale_in only ever removes these, never the configured ones). */
  extra: boolean;
  isolated: boolean;
  /** Scale-out replicas: when the hold gives it back (epoch ms), and the incident that added it. */
  holdUntil?: number;
  incidentId?: string;
}

type Log = { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };

export const replicaUrl = (port: number): string => `http://127.0.0.1:${port}`;

/** Whether the replica's process is running (spawned, neither exited nor killed by a signal). */
export const isAlive = (r: Replica): boolean => !!r.child && r.child.exitCode === null && r.child.signalCode === null;

/** Whether 127.0.0.1:port can be bound right now (another program may hold a port of the range). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Starts, stops and health-checks the child processes behind the process actuator, with pid files
 * so a remediator killed by SIGKILL can stop its orphans on the next start.
 */
export class ReplicaSupervisor {
  constructor(
    private readonly stateDir: string | undefined,
    private readonly log: Log | undefined,
  ) {}

  pidFile(name: string, port: number): string | null {
    return this.stateDir
      ? join(this.stateDir, `process-${name.replace(/[^a-zA-Z0-9_.-]/g, '_')}-${port}.pid`)
      : null;
  }

  /**
   * Stops a replica left behind by a previous remediator that died without cleaning up, if the pid
   * file's process is still that replica (same start time and command line); a reused pid, or a
   * pid file without identity, is never signalled. Returns whether an orphan was stopped.
   */
  async reapOrphan(name: string, port: number): Promise<boolean> {
    const file = this.pidFile(name, port);
    if (!file) return false;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    rmSync(file, { force: true });
    const rec = parsePidFile(text.trim());
    if (!rec || !isSameProcess(rec)) {
      this.log?.warn(
        { group: name, port, pidFile: text.trim() },
        'pid file does not name our replica; not signalled',
      );
      return false;
    }
    const alive = (): boolean => isSameProcess(rec);
    this.log?.warn({ group: name, port, pid: rec.pid }, 'stopping replica orphaned by a previous run');
    process.kill(rec.pid, 'SIGTERM');
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive()) process.kill(rec.pid, 'SIGKILL');
    return true;
  }

  spawn(cfg: ProcessGroupConfig, port: number): ChildProcess {
    const argv = cfg.command.map((a) => a.replaceAll('{port}', String(port)).replaceAll('{name}', cfg.name));
    const child = spawn(argv[0] ?? 'node', argv.slice(1), {
      cwd: cfg.cwd,
      env: { ...process.env, ...cfg.env, PORT: String(port) },
      stdio: 'ignore',
    });
    const file = this.pidFile(cfg.name, port);
    const id = child.pid ? readIdentity(child.pid) : null;
    if (file && id) writeFileSync(file, JSON.stringify(id));
    child.on('error', (e) => this.log?.warn({ err: e, group: cfg.name, port }, 'replica failed to start'));
    child.on('exit', (code, signal) => {
      this.log?.info({ group: cfg.name, port, code, signal }, 'replica exited');
      if (file) {
        try {
          if (parsePidFile(readFileSync(file, 'utf8'))?.pid === child.pid) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      }
    });
    return child;
  }

  async waitReady(cfg: ProcessGroupConfig, port: number, child?: ChildProcess | null): Promise<void> {
    const deadline = Date.now() + cfg.readyTimeoutSeconds * 1000;
    for (;;) {
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        throw new RemediatorError(
          'ACTUATOR_FAILED',
          `${cfg.name} on port ${port} exited (${child.exitCode ?? child.signalCode}) before it was ready`,
        );
      }
      try {
        const res = await fetch(`${replicaUrl(port)}${cfg.readyPath}`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new RemediatorError(
          'ACTUATOR_FAILED',
          `${cfg.name} on port ${port} not ready after ${cfg.readyTimeoutSeconds}s`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async kill(r: Replica, graceSeconds: number): Promise<void> {
    const c = r.child;
    r.child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((res) => c.once('exit', () => res()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), graceSeconds * 1000);
    await exited;
    clearTimeout(t);
  }
}
