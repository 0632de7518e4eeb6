import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ServiceName } from './personality';

/** The built binaries; the same path from src/ (tests) and dist/ (runtime), both one level down. */
export const DEMO_BIN_DIR = join(__dirname, '..', 'dist', 'bin');

export const FleetConfig = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  /** Gateway port; with basePort set, the backends follow it (base+1, base+2, base+3). */
  basePort: z.number().int().min(0).max(65_000).optional(),
  gatewayPort: z.number().int().min(0).max(65535).default(8080),
  ordersPort: z.number().int().min(0).max(65535).default(8101),
  paymentsPort: z.number().int().min(0).max(65535).default(8102),
  inventoryPort: z.number().int().min(0).max(65535).default(8103),
  /** Give up when the fleet is not healthy within this time. */
  startTimeoutMs: z.number().int().min(100).max(600_000).default(20_000),
});
export type FleetConfig = z.infer<typeof FleetConfig>;

export interface FleetMember {
  name: 'gateway' | ServiceName;
  url: string;
  port: number;
  child: ChildProcess;
}

export interface Fleet {
  gateway: FleetMember;
  backends: FleetMember[];
  /** Resolves once every member answers /healthz; rejects (and stops the fleet) otherwise. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export function fleetPorts(c: FleetConfig): Record<'gateway' | ServiceName, number> {
  if (c.basePort !== undefined) {
    return {
      gateway: c.basePort,
      orders: c.basePort + 1,
      payments: c.basePort + 2,
      inventory: c.basePort + 3,
    };
  }
  return {
    gateway: c.gatewayPort,
    orders: c.ordersPort,
    payments: c.paymentsPort,
    inventory: c.inventoryPort,
  };
}

/**
 * Starts the three backends and the gateway (routing to them) as child processes running the
 * same binaries a user runs by hand, waits until each answers /healthz, and stops them all.
 * A backend that dies (the crash fault) is reported, not restarted: healing is the remediator's job.
 */
export function startFleet(
  config: FleetConfig,
  opts: { binDir?: string; log: Logger; stdio?: 'inherit' | 'ignore'; env?: NodeJS.ProcessEnv },
): Fleet {
  const ports = fleetPorts(config);
  const members: FleetMember[] = [];
  let stopping = false;
  const spawnMember = (name: FleetMember['name'], args: string[]): FleetMember => {
    const child = spawn(
      process.execPath,
      [join(opts.binDir ?? DEMO_BIN_DIR, name === 'gateway' ? 'gateway.js' : 'backend.js'), ...args],
      {
        stdio: ['ignore', opts.stdio ?? 'inherit', opts.stdio ?? 'inherit'],
        env: opts.env ?? process.env,
      },
    );
    child.on('exit', (code, signal) => {
      if (!stopping) opts.log.error({ member: name, code, signal }, 'fleet member exited');
    });
    const m = { name, url: `http://${urlHost(config.host)}:${ports[name]}`, port: ports[name], child };
    members.push(m);
    return m;
  };

  const backends = ServiceName.map((s) =>
    spawnMember(s, ['--service', s, '--host', config.host, '--port', String(ports[s])]),
  );
  const gateway = spawnMember('gateway', [
    '--host',
    config.host,
    '--port',
    String(ports.gateway),
    ...backends.flatMap((b) => ['--upstream', `${b.name}=${b.url}`]),
  ]);

  const stop = async () => {
    stopping = true;
    await Promise.all(
      members.map(
        (m) =>
          new Promise<void>((resolve) => {
            if (m.child.exitCode !== null || m.child.signalCode !== null) return resolve();
            const t = setTimeout(() => m.child.kill('SIGKILL'), 5000);
            m.child.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            m.child.kill('SIGTERM');
          }),
      ),
    );
  };

  const ready = Promise.all(members.map((m) => waitHealthy(m, config.startTimeoutMs, () => stopping))).then(
    () => undefined,
    async (e: unknown) => {
      await stop();
      throw e;
    },
  );
  return { gateway, backends, ready, stop };
}

async function waitHealthy(m: FleetMember, timeoutMs: number, stopped: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (stopped()) throw new Error('fleet stopped before it was ready');
    if (m.child.exitCode !== null)
      throw new Error(`${m.name} exited with code ${m.child.exitCode} before it was healthy`);
    try {
      const res = await fetch(`${m.url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${m.name} not healthy on ${m.url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
