import { spawnDaemon, waitFor, type Daemon } from '@homeostat/testkit';
import { ChaosError } from '../errors';
import { ADMIN_TOKEN_ENV, DEMO_SERVICES, type Fleet, type FleetContext, type FleetPlan } from './fleet';
import { ENTRY_POINTS, isBuilt } from './repo-paths';
import type { StackTarget } from './prometheus-config';
import { upstreamTargets } from './target-discovery';

interface Member {
  service: string;
  port: number;
  args: string[];
  /** null for backends another process owns (the remediator's process actuator, with heal on). */
  daemon: Daemon | null;
}

/**
 * The demo fleet as local processes (gateway + one or more processes per backend) on free ports,
 * started with the CLIs of docs/architecture.md. Keeps the command of each so a crashed backend can
 * be started again on the same port (the rollback of the crash experiment).
 */
export class LocalFleet implements Fleet {
  readonly kind = 'processes';

  private constructor(
    /** Keyed by port: a service's first replica is its first member. */
    private readonly members: Map<number, Member>,
    private readonly dir: string,
    private readonly adminToken: string,
    private readonly env: Record<string, string>,
  ) {}

  /**
   * Starts the gateway on `gatewayPort` in front of the backends on `backendPorts` (a service's
   * replicas, first one first), and the backends too unless `backendsOwnedElsewhere` (the remediator
   * started them).
   */
  static async start(opts: {
    dir: string;
    adminToken: string;
    /** Environment of each process (the admin token protects /admin). */
    env: Record<string, string>;
    backendPorts: Record<string, number[]>;
    gatewayPort: number;
    backendsOwnedElsewhere: boolean;
  }): Promise<LocalFleet> {
    if (!isBuilt('backend') || !isBuilt('gateway')) {
      throw new ChaosError('NOT_BUILT', `the demo fleet is not built (${ENTRY_POINTS.backend}); run: npm run build -w @homeostat/demo`);
    }
    const members = new Map<number, Member>();
    const fleet = new LocalFleet(members, opts.dir, opts.adminToken, opts.env);
    try {
      const upstreams: string[] = [];
      for (const [service, ports] of Object.entries(opts.backendPorts)) {
        for (const port of ports) {
          const args = [ENTRY_POINTS.backend, '--service', service, '--port', String(port)];
          members.set(port, { service, port, args, daemon: opts.backendsOwnedElsewhere ? null : fleet.spawn(service, port, args) });
          upstreams.push('--upstream', `${service}=http://127.0.0.1:${port}`);
        }
      }
      const gwArgs = [ENTRY_POINTS.gateway, '--port', String(opts.gatewayPort), ...upstreams];
      members.set(opts.gatewayPort, { service: 'gateway', port: opts.gatewayPort, args: gwArgs, daemon: fleet.spawn('gateway', opts.gatewayPort, gwArgs) });
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
    const m = this.replicasOf(service)[0];
    if (!m) throw new ChaosError('INVALID_ARGUMENT', `no service "${service}" in the fleet`, { field: 'target.service' });
    return `http://127.0.0.1:${m.port}`;
  }

  /** The processes it knows of, and the replicas the gateway routes to (scale-out adds some). */
  async targets(): Promise<StackTarget[]> {
    const own = [...this.members.values()].map((m) => ({ service: m.service, address: `127.0.0.1:${m.port}` }));
    const body = await fetch(`${this.gatewayUrl}/admin/upstreams`, { headers: { authorization: `Bearer ${this.adminToken}` } })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
    return [...own, ...upstreamTargets(body)];
  }

  /** Starts the service's replicas again on their ports whose processes have exited; true when it did. */
  async restartIfDown(service: string): Promise<boolean> {
    const done = await Promise.all(this.replicasOf(service).map((m) => this.restartMemberIfDown(m)));
    return done.some(Boolean);
  }

  private replicasOf(service: string): Member[] {
    return [...this.members.values()].filter((m) => m.service === service);
  }

  private async restartMemberIfDown(m: Member): Promise<boolean> {
    const d = m.daemon;
    if (!d) return false;
    if (d.child.exitCode === null && d.child.signalCode === null) return false;
    // exited: something else may hold the port and answer (bounded, so a hung one cannot stall the clean-up)
    const healthy = await fetch(`http://127.0.0.1:${m.port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return false;
    m.daemon = this.spawn(m.service, m.port, m.args);
    await this.waitHealthy(m);
    return true;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.daemon?.stop()));
  }

  private spawn(service: string, port: number, args: string[]): Daemon {
    return spawnDaemon(process.execPath, args, {
      dir: this.dir,
      port,
      url: `http://127.0.0.1:${port}`,
      name: `demo-${service}`,
      env: this.env,
    });
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

/**
 * The processes fleet's plan: ports for the gateway, each backend and its replicas. With heal on,
 * the remediator's process actuator starts the backends from `actuator` (so it can restart and
 * scale them) and the fleet only waits for them; with heal off the fleet starts them itself.
 */
export async function planLocalFleet(ctx: FleetContext): Promise<FleetPlan> {
  const gatewayPort = await ctx.ports.next();
  const backendPorts: Record<string, number[]> = {};
  const groups = [];
  for (const service of DEMO_SERVICES) {
    const ports: number[] = [];
    for (let i = 0; i < ctx.replicas; i++) ports.push(await ctx.ports.next());
    backendPorts[service] = ports;
    groups.push({
      name: service,
      command: [process.execPath, ENTRY_POINTS.backend, '--service', service, '--port', '{port}'],
      ports,
      replicaPorts: await ctx.ports.range(4),
      env: ctx.serviceEnv,
      autostart: true,
    });
  }
  return {
    actuator: {
      config: {
        process: {
          gateway: { url: `http://127.0.0.1:${gatewayPort}`, token: { env: ADMIN_TOKEN_ENV } },
          groups,
          scaleOutHoldSeconds: ctx.scaleOutHoldSeconds,
        },
      },
      target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
    },
    start: () => {
      ctx.log(ctx.heal ? 'starting the gateway (the remediator started the backends)' : 'starting the demo fleet (gateway + orders, payments, inventory)');
      return LocalFleet.start({ dir: ctx.dir, adminToken: ctx.adminToken, env: ctx.serviceEnv, backendPorts, gatewayPort, backendsOwnedElsewhere: ctx.heal });
    },
  };
}
