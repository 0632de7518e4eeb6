import type { ApiCall, Target } from '@homeostat/contracts';
import type { ProcessGroupConfig } from '../config';
import { RemediatorError } from '../errors';
import type { TargetSnapshot } from '../policy/decide';
import type { ActRequest, Actuator, Plan } from './actuator';
import { AdminClient } from './process-admin-client';
import type { ProcessCalls } from './process-calls';
import { giveBackProcessReplicas } from './process-give-back';
import { freeReplicaPorts, type ProcessGroup } from './process-group';
import { planProcessAction } from './process-plans';
import { isAlive, ReplicaSupervisor, replicaUrl as url } from './process-supervisor';
import { undoProcessAction } from './process-undo';
import type { InstantQuery } from './replica-rank';
import { ScaleOutHold, type GiveBack, type ScaleOutHoldOptions, type SweepContext } from './scale-out-hold';

export interface ProcessActuatorOptions {
  groups: ProcessGroupConfig[];
  /** The demo gateway's admin API: replicas are registered/removed there, weights set there. */
  gateway?: { url: string; token?: string };
  /** Bearer token for backends' /admin endpoints (cache toggle). */
  adminToken?: string;
  log?: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
  /**
   * Where pid files live. A remediator killed with SIGKILL leaves its children running; on the next
   * start they are found here and stopped before fresh replicas take their ports.
   */
  stateDir?: string;
  /** Seconds between removing a replica from the gateway and stopping it (scale_in, undo, give-back). */
  drainSeconds?: number;
  /** Replicas added by scale_out are given back when this hold ends (none: kept until scale_in/undo). */
  hold?: ScaleOutHoldOptions;
  /** Prometheus, for a restart step's `worstFirst` ranking (replica-rank.ts). */
  query?: InstantQuery;
}

/**
 * Supervised local child processes, so the demo heals where Docker is absent: restart, scale out
 * (spawn on a new port, register with the gateway), scale in, isolate (unregister), traffic shift
 * (gateway weights), cache toggle (backend admin API), stop. Each action's plan is in
 * process-plans.ts, its undo in process-undo.ts, the scale-out hold's give-back in
 * process-give-back.ts; this class keeps the groups and wires those parts together.
 */
export class ProcessActuator implements Actuator {
  readonly kind = 'process' as const;
  private readonly groups = new Map<string, ProcessGroup>();

  private readonly sup: ReplicaSupervisor;
  private readonly hold: ScaleOutHold | null;
  private readonly admin: AdminClient;
  private readonly calls: ProcessCalls;

  constructor(private readonly opts: ProcessActuatorOptions) {
    this.sup = new ReplicaSupervisor(opts.stateDir, opts.log);
    this.hold = opts.hold ? new ScaleOutHold('process', opts.hold) : null;
    this.admin = new AdminClient(opts.gateway);
    for (const cfg of opts.groups)
      this.groups.set(cfg.name, {
        cfg,
        replicas: cfg.ports.map((port) => ({ port, child: null, extra: false, isolated: false })),
        busy: 0,
      });
    this.calls = {
      sup: this.sup,
      admin: this.admin,
      gatewayUrl: opts.gateway?.url ?? '',
      adminToken: opts.adminToken,
      hold: this.hold,
      snapshot: (t) => this.snapshot(t),
      freePorts: (g, n) => freeReplicaPorts(this.groups.values(), g, n),
      drain: () => this.drain(),
      ...(opts.query ? { query: opts.query } : {}),
    };
  }

  /** Starts the configured replicas of every autostart group and waits until they are ready. */
  async start(): Promise<void> {
    for (const g of this.groups.values()) {
      if (!g.cfg.autostart) continue;
      for (const r of g.replicas) await this.sup.reapOrphan(g.cfg.name, r.port);
      await Promise.all(
        g.replicas.map(async (r) => {
          r.child = this.sup.spawn(g.cfg, r.port);
          await this.sup.waitReady(g.cfg, r.port, r.child);
          // A restart unregisters its replica for a moment (process-restart.ts): a remediator killed
          // then left it out of a gateway that outlived it, and nothing else puts it back. Adding a
          // replica the gateway already routes to changes nothing; a gateway that is not up yet
          // reads its own static list when it starts.
          await this.admin
            .gateway('POST', `/admin/upstreams/${encodeURIComponent(g.cfg.name)}`, { url: url(r.port) })
            .catch((e: unknown) =>
              this.opts.log?.info({ err: e, port: r.port }, 'could not register a replica with the gateway'),
            );
        }),
      );
      // Replicas a scale-out (or a restart's surge) spawned before a kill -9: stopped (if still ours)
      // and unregistered, once the configured ones serve again, so the gateway never goes empty.
      for (let port = g.cfg.replicaPorts.from; port <= g.cfg.replicaPorts.to; port++) {
        if (g.replicas.some((r) => r.port === port) || !(await this.sup.reapOrphan(g.cfg.name, port)))
          continue;
        await this.admin
          .gateway('DELETE', `/admin/upstreams/${encodeURIComponent(g.cfg.name)}`, {
            url: url(port),
          })
          .catch((e: unknown) =>
            this.opts.log?.warn({ err: e, port }, 'could not unregister an orphaned replica'),
          );
      }
    }
  }

  /** Pids of live children, by group (tests and the audit snapshot use it). */
  pids(name: string): number[] {
    // a child killed by a signal has exitCode null too: isAlive reads both
    return (this.groups.get(name)?.replicas ?? []).flatMap((r) =>
      r.child?.pid && isAlive(r) ? [r.child.pid] : [],
    );
  }

  async snapshot(target: Target): Promise<TargetSnapshot> {
    const g = this.group(target);
    const live = g.replicas.filter((r) => !r.isolated);
    return {
      replicas: live.length,
      ports: g.replicas.map((r) => r.port),
      isolated: g.replicas.filter((r) => r.isolated).map((r) => r.port),
      pids: this.pids(target.name),
    };
  }

  /** Starts the hold's sweep (replicas from a previous run were already stopped by start()). */
  async reconcile(): Promise<void> {
    this.hold?.start((ctx) => this.giveBack(ctx));
  }

  /** One sweep of the scale-out hold now (the timer runs it every few seconds). */
  sweepHolds(): Promise<GiveBack[]> {
    return this.hold ? this.hold.sweep((ctx) => this.giveBack(ctx)) : Promise.resolve([]);
  }

  async plan(req: ActRequest, before: TargetSnapshot): Promise<Plan> {
    const g = this.group(req.target);
    const p = await planProcessAction(this.calls, g, req, before);
    return {
      apiCall: p.apiCall,
      run: async () => {
        g.busy++;
        try {
          return await p.run();
        } finally {
          g.busy--;
        }
      },
    };
  }

  async undo(req: ActRequest, _before: TargetSnapshot, after: TargetSnapshot): Promise<ApiCall | null> {
    const g = this.group(req.target);
    g.busy++;
    try {
      return await undoProcessAction(this.calls, g, req, after, (r, b) => this.plan(r, b));
    } finally {
      g.busy--;
    }
  }

  /** The hold's sweep: runs only when the hold exists (see process-give-back.ts). */
  private giveBack(ctx: SweepContext): Promise<void> {
    return giveBackProcessReplicas(this.calls, this.groups.values(), this.opts.hold!.holdSeconds, ctx);
  }

  /**
   * Between a replica leaving the gateway and its stop: requests in flight finish, and the targets
   * that monitoring discovers from the gateway drop it first, so a replica taken away on purpose is
   * never scraped as down (a false HomeostatTargetDown, and a restart of a healthy service).
   */
  private drain(): Promise<void> {
    const ms = (this.opts.drainSeconds ?? 0) * 1000;
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
  }

  /** Stops the hold's sweep and waits for one in progress (before leadership is released). */
  async stopBackground(): Promise<void> {
    await this.hold?.stop();
  }

  async close(): Promise<void> {
    await this.hold?.stop();
    await Promise.all([...this.groups.values()].flatMap((g) => g.replicas.map((r) => this.sup.kill(r, 5))));
  }

  private group(t: Target): ProcessGroup {
    const g = this.groups.get(t.name);
    if (!g)
      throw new RemediatorError('TARGET_UNRESOLVED', `no process group named ${t.name}`, {
        field: 'target.name',
      });
    return g;
  }
}
