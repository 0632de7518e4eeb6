import { freePort, spawnDaemon, waitFor, type Daemon } from '@homeostat/testkit';
import { ChaosError } from '../errors';
import { ENTRY_POINTS, isBuilt } from './repo-paths';
import type { StackTarget } from './prometheus-config';

export const DEMO_SERVICES = ['orders', 'payments', 'inventory'] as const;

interface Member {
  service: string;
  port: number;
  args: string[];
  /** null for backends another process owns (the remediator's process actuator, with --heal on). */
  daemon: Daemon | null;
}

/**
 * The demo fleet as local processes (gateway + one process per backend) on free ports, started
 * with the CLIs of docs/architecture.md. Keeps the command of each so a crashed backend can be
 * started again on the same port (the rollback of the crash experiment).
 */
export class LocalFleet {
  private constructor(
    private readonly members: Map<string, Member>,
    private readonly dir: string,
    private readonly env: Record<string, string>,
  ) {}

  /**
   * Starts the gateway and, unless `externalBackends` gives their ports (processes someone else
   * started), one backend per service.
   */
  static async start(opts: {
    dir: string;
    /** Added to each process' environment (HOMEOSTAT_ADMIN_TOKEN protects /admin). */
    env?: Record<string, string>;
    services?: readonly string[];
    externalBackends?: Record<string, number>;
    gatewayPort?: number;
    /** Hands out ports no other part of the stack got (default: freePort). */
    allocatePort?: () => Promise<number>;
  }): Promise<LocalFleet> {
    const allocate = opts.allocatePort ?? freePort;
    if (!isBuilt('backend') || !isBuilt('gateway')) {
      throw new ChaosError('NOT_BUILT', `the demo fleet is not built (${ENTRY_POINTS.backend}); run: npm run build -w @homeostat/demo`);
    }
    const members = new Map<string, Member>();
    const fleet = new LocalFleet(members, opts.dir, opts.env ?? {});
    try {
      const upstreams: string[] = [];
      for (const service of opts.services ?? DEMO_SERVICES) {
        const external = opts.externalBackends?.[service];
        const port = external ?? (await allocate());
        const args = [ENTRY_POINTS.backend, '--service', service, '--port', String(port)];
        members.set(service, { service, port, args, daemon: external ? null : fleet.spawn(service, port, args) });
        upstreams.push('--upstream', `${service}=http://127.0.0.1:${port}`);
      }
      const gwPort = opts.gatewayPort ?? (await allocate());
      const gwArgs = [ENTRY_POINTS.gateway, '--port', String(gwPort), ...upstreams];
      members.set('gateway', { service: 'gateway', port: gwPort, args: gwArgs, daemon: fleet.spawn('gateway', gwPort, gwArgs) });
      await Promise.all([...members.values()].map((m) => fleet.waitHealthy(m)));
      return fleet;
    } catch (e) {
      await fleet.stop();
      throw e instanceof ChaosError ? e : new ChaosError('STACK_START_FAILED', `demo fleet: ${(e as Error).message}`, { cause: e });
    }
  }

  get gatewayUrl(): string {
    return this.url('gateway');
  }

  url(service: string): string {
    const m = this.members.get(service);
    if (!m) throw new ChaosError('INVALID_ARGUMENT', `no service "${service}" in the fleet`, { field: 'target.service' });
    return `http://127.0.0.1:${m.port}`;
  }

  get services(): string[] {
    return [...this.members.keys()];
  }

  targets(): StackTarget[] {
    return [...this.members.values()].map((m) => ({ service: m.service, address: `127.0.0.1:${m.port}` }));
  }

  isRunning(service: string): boolean {
    const d = this.members.get(service)?.daemon;
    return !!d && d.child.exitCode === null && d.child.signalCode === null;
  }

  /** Starts the service again on its port if its process has exited; true when it did. */
  async restartIfDown(service: string): Promise<boolean> {
    const m = this.members.get(service);
    if (!m || !m.daemon) return false;
    const healthy = await fetch(`http://127.0.0.1:${m.port}/healthz`).then((r) => r.ok, () => false);
    if (this.isRunning(service) || healthy) return false;
    m.daemon = this.spawn(service, m.port, m.args);
    await this.waitHealthy(m);
    return true;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.daemon?.stop()));
  }

  private spawn(service: string, port: number, args: string[]): Daemon {
    return spawnDaemon(process.execPath, args, { dir: this.dir, port, url: `http://127.0.0.1:${port}`, name: `demo-${service}`, env: this.env });
  }

  private async waitHealthy(m: Member): Promise<void> {
    await waitFor(
      `${m.service} on port ${m.port} (log: ${m.daemon?.logFile ?? 'owned by another process'})`,
      async () => {
        if (m.daemon && m.daemon.child.exitCode !== null) throw new Error(`exited with ${m.daemon.child.exitCode}`);
        return (await fetch(`http://127.0.0.1:${m.port}/healthz`)).ok;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }
}
