import type { ApiCall, Target } from '@homeostat/contracts';
import type { ProcessGroupConfig } from '../config';
import { RemediatorError } from '../errors';
import type { TargetSnapshot } from '../policy/decide';
import type { ActRequest, Actuator, Plan } from './actuator';
import { AdminClient } from './process-admin-client';
import { portIsFree, ReplicaSupervisor, replicaUrl, type Replica } from './process-supervisor';
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
}

interface Group {
  cfg: ProcessGroupConfig;
  replicas: Replica[];
  /** Actions running on the group: the hold never gives a replica back under one. */
  busy: number;
}

const url = replicaUrl;

/** Removes `r` from the list if it is still there (two removals never take out a third replica). */
function removeReplica(list: Replica[], r: Replica): void {
  const i = list.indexOf(r);
  if (i >= 0) list.splice(i, 1);
}

/**
 * Supervised local child processes, so the demo heals where Docker is absent: restart, scale out
 * (spawn on a new port, register with the gateway), scale in, isolate (unregister), traffic shift
 * (gateway weights), cache toggle (backend admin API), stop.
 */
export class ProcessActuator implements Actuator {
  readonly kind = 'process' as const;
  private readonly groups = new Map<string, Group>();

  private readonly sup: ReplicaSupervisor;
  private readonly hold: ScaleOutHold | null;
  private readonly admin: AdminClient;

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
  }

  /** Starts the configured replicas of every autostart group and waits until they are ready. */
  async start(): Promise<void> {
    for (const g of this.groups.values()) {
      if (!g.cfg.autostart) continue;
      for (const r of g.replicas) await this.sup.reapOrphan(g.cfg.name, r.port);
      // Replicas a scale-out spawned before a kill -9: stopped (if still ours) and unregistered.
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
      await Promise.all(
        g.replicas.map(async (r) => {
          r.child = this.sup.spawn(g.cfg, r.port);
          await this.sup.waitReady(g.cfg, r.port, r.child);
        }),
      );
    }
  }

  /** Pids of live children, by group (tests and the audit snapshot use it). */
  pids(name: string): number[] {
    return (this.groups.get(name)?.replicas ?? []).flatMap((r) =>
      r.child?.pid && r.child.exitCode === null ? [r.child.pid] : [],
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
    const p = await this.planAction(g, req, before);
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

  private async planAction(g: Group, req: ActRequest, before: TargetSnapshot): Promise<Plan> {
    const gw = this.opts.gateway;
    const svc = encodeURIComponent(g.cfg.name);
    const inst = this.instance(g.replicas, req.labels.instance);
    switch (req.action) {
      case 'restart':
      case 'stop': {
        const grace = Number(req.params.graceSeconds ?? 10);
        return {
          apiCall: {
            method: 'SIGNAL',
            path: `process://${g.cfg.name}/${inst.port}`,
            body: { signal: 'SIGTERM', graceSeconds: grace, respawn: req.action === 'restart' },
          },
          run: async () => {
            await this.sup.kill(inst, grace);
            if (req.action === 'restart') {
              inst.child = this.sup.spawn(g.cfg, inst.port);
              await this.sup.waitReady(g.cfg, inst.port, inst.child);
            } else {
              await this.admin.gateway('DELETE', `/admin/upstreams/${svc}`, { url: url(inst.port) });
            }
            return this.snapshot(req.target);
          },
        };
      }
      case 'scale_out': {
        const want =
          (req.desiredReplicas ?? Number(before.replicas) + 1) - g.replicas.filter((r) => !r.isolated).length;
        const ports = await this.freePorts(g, Math.max(0, want));
        return {
          apiCall: {
            method: 'POST',
            path: `${gw?.url ?? ''}/admin/upstreams/${svc}`,
            contentType: 'application/json',
            body: { url: url(ports[0] ?? 0), spawn: ports },
          },
          run: async () => {
            for (const port of ports) {
              const r: Replica = {
                port,
                child: this.sup.spawn(g.cfg, port),
                extra: true,
                isolated: false,
                incidentId: req.incidentId,
                ...(this.hold ? { holdUntil: this.hold.until() } : {}),
              };
              g.replicas.push(r);
              try {
                await this.sup.waitReady(g.cfg, port, r.child);
                await this.admin.gateway('POST', `/admin/upstreams/${svc}`, { url: url(port) });
              } catch (e) {
                // A replica that never came up is not left behind half-registered.
                await this.sup.kill(r, 1);
                removeReplica(g.replicas, r);
                throw e;
              }
            }
            return { ...(await this.snapshot(req.target)), spawned: ports };
          },
        };
      }
      case 'scale_in': {
        const n =
          g.replicas.filter((r) => !r.isolated).length - (req.desiredReplicas ?? Number(before.replicas) - 1);
        // n <= 0 removes nothing (slice(-0) would be every extra replica)
        const victims = n > 0 ? g.replicas.filter((r) => r.extra).slice(-n) : [];
        return {
          apiCall: {
            method: 'DELETE',
            path: `${gw?.url ?? ''}/admin/upstreams/${svc}`,
            contentType: 'application/json',
            body: { url: url(victims[0]?.port ?? 0) },
          },
          run: async () => {
            for (const v of victims) {
              await this.admin.gateway('DELETE', `/admin/upstreams/${svc}`, { url: url(v.port) }, [404]);
              await this.drain();
              await this.sup.kill(v, 10);
              removeReplica(g.replicas, v);
            }
            return { ...(await this.snapshot(req.target)), removed: victims.map((v) => v.port) };
          },
        };
      }
      case 'isolate': {
        const body = { url: url(inst.port) };
        return {
          apiCall: {
            method: 'DELETE',
            path: `${gw?.url ?? ''}/admin/upstreams/${svc}`,
            contentType: 'application/json',
            body,
          },
          run: async () => {
            await this.admin.gateway('DELETE', `/admin/upstreams/${svc}`, body);
            inst.isolated = true;
            return { ...(await this.snapshot(req.target)), isolatedPort: inst.port };
          },
        };
      }
      case 'shift_traffic': {
        const weight = Number(req.params.weight ?? 0.1);
        const weights = Object.fromEntries(
          g.replicas.filter((r) => !r.isolated).map((r) => [url(r.port), r === inst ? weight : 1]),
        );
        return {
          apiCall: {
            method: 'POST',
            path: `${gw?.url ?? ''}/admin/weights/${svc}`,
            contentType: 'application/json',
            body: { weights },
          },
          run: async () => {
            await this.admin.gateway('POST', `/admin/weights/${svc}`, { weights });
            return { ...(await this.snapshot(req.target)), weights };
          },
        };
      }
      case 'cache_enable': {
        const enabled = req.params.enabled !== false;
        const first = g.cfg.cacheUrl.replaceAll('{port}', String(inst.port));
        return {
          apiCall: { method: 'POST', path: first, contentType: 'application/json', body: { enabled } },
          run: async () => {
            for (const r of g.replicas)
              await this.admin.http(
                'POST',
                g.cfg.cacheUrl.replaceAll('{port}', String(r.port)),
                { enabled },
                this.opts.adminToken,
              );
            return { ...(await this.snapshot(req.target)), cache: enabled };
          },
        };
      }
      default:
        throw new RemediatorError('ACTION_UNSUPPORTED', `process actuator cannot ${req.action}`, {
          field: 'action',
        });
    }
  }

  async undo(req: ActRequest, _before: TargetSnapshot, after: TargetSnapshot): Promise<ApiCall | null> {
    const g = this.group(req.target);
    g.busy++;
    try {
      return await this.undoAction(g, req, after);
    } finally {
      g.busy--;
    }
  }

  private async undoAction(g: Group, req: ActRequest, after: TargetSnapshot): Promise<ApiCall | null> {
    const svc = encodeURIComponent(g.cfg.name);
    switch (req.action) {
      case 'scale_out': {
        // Exactly the replicas this scale-out spawned (by port, marked extra): never a configured
        // one, never one another action spawned. One already gone is not removed twice.
        const spawned = after.spawned;
        if (!Array.isArray(spawned))
          throw new RemediatorError(
            'ACTUATOR_FAILED',
            'scale_out recorded no spawned replicas; nothing to undo by identity',
          );
        const mine = spawned.flatMap((port) => g.replicas.filter((r) => r.extra && r.port === Number(port)));
        for (const r of mine) {
          await this.admin.gateway('DELETE', `/admin/upstreams/${svc}`, { url: url(r.port) }, [404]);
          await this.drain();
          await this.sup.kill(r, 10);
          removeReplica(g.replicas, r);
        }
        if (mine.length === 0) return null; // already gone (reaped at start-up): not "rolled back" by us
        return {
          method: 'DELETE',
          path: `${this.opts.gateway?.url ?? ''}/admin/upstreams/${svc}`,
          contentType: 'application/json',
          body: { urls: mine.map((r) => url(r.port)) },
        };
      }
      case 'isolate': {
        const port = Number(after.isolatedPort);
        const r = g.replicas.find((x) => x.port === port);
        if (r) r.isolated = false;
        const body = { url: url(port) };
        await this.admin.gateway('POST', `/admin/upstreams/${svc}`, body);
        return {
          method: 'POST',
          path: `${this.opts.gateway?.url ?? ''}/admin/upstreams/${svc}`,
          contentType: 'application/json',
          body,
        };
      }
      case 'shift_traffic': {
        const weights = Object.fromEntries(
          g.replicas.filter((r) => !r.isolated).map((r) => [url(r.port), 1]),
        );
        await this.admin.gateway('POST', `/admin/weights/${svc}`, { weights });
        return {
          method: 'POST',
          path: `${this.opts.gateway?.url ?? ''}/admin/weights/${svc}`,
          contentType: 'application/json',
          body: { weights },
        };
      }
      case 'cache_enable': {
        const plan = await this.plan({ ...req, params: { enabled: !(after.cache as boolean) } }, after);
        await plan.run();
        return plan.apiCall;
      }
      default:
        return null; // restart, stop, scale_in: nothing safe to undo automatically
    }
  }

  /**
   * Gives back the oldest scale-out replica past its hold of each group that no action runs on and
   * no incident holds: out of the list first (a scale_in or undo started meanwhile does not pick
   * it), out of the gateway (already gone is fine), then stopped; reported one by one.
   */
  private async giveBack(ctx: SweepContext): Promise<void> {
    for (const g of this.groups.values()) {
      const target: Target = { actuator: 'process', kind: 'process-group', name: g.cfg.name };
      if (!ctx.mayAct()) return;
      if (g.busy > 0 || ctx.targetBusy(target)) continue;
      const r = g.replicas
        .filter((x) => x.extra && x.holdUntil !== undefined && x.holdUntil <= ctx.now)
        .sort((a, b) => a.holdUntil! - b.holdUntil!)[0];
      if (!r) continue;
      removeReplica(g.replicas, r);
      try {
        if (!r.isolated)
          await this.admin.gateway(
            'DELETE',
            `/admin/upstreams/${encodeURIComponent(g.cfg.name)}`,
            { url: url(r.port) },
            [404],
          );
      } catch (e) {
        g.replicas.push(r); // still serving: given back on the next sweep
        ctx.failed('process', String(r.port), e);
        continue;
      }
      if (!r.isolated) await this.drain();
      await this.sup.kill(r, 10);
      ctx.given({
        actuator: 'process',
        target,
        replica: String(r.port),
        incidentId: r.incidentId ?? null,
        heldSeconds: Math.round(this.opts.hold!.holdSeconds + (ctx.now - r.holdUntil!) / 1000),
      });
    }
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

  private group(t: Target): Group {
    const g = this.groups.get(t.name);
    if (!g)
      throw new RemediatorError('TARGET_UNRESOLVED', `no process group named ${t.name}`, {
        field: 'target.name',
      });
    return g;
  }

  /** The replica the alert is about (its `instance` label's port), else the first one. */
  private instance(replicas: Replica[], instance: string | undefined): Replica {
    const port = Number(instance?.split(':').pop());
    const r = replicas.find((x) => x.port === port) ?? replicas.find((x) => !x.isolated) ?? replicas[0];
    if (!r)
      throw new RemediatorError('TARGET_UNRESOLVED', 'process group has no replicas', {
        field: 'target.name',
      });
    return r;
  }

  /** Ports of the group's range that no replica uses and nothing else is bound to right now. */
  private async freePorts(g: Group, n: number): Promise<number[]> {
    const used = new Set([...this.groups.values()].flatMap((x) => x.replicas.map((r) => r.port)));
    const out: number[] = [];
    for (let p = g.cfg.replicaPorts.from; p <= g.cfg.replicaPorts.to && out.length < n; p++)
      if (!used.has(p) && (await portIsFree(p))) out.push(p);
    if (out.length < n)
      throw new RemediatorError(
        'ACTUATOR_FAILED',
        `no free replica port in ${g.cfg.replicaPorts.from}-${g.cfg.replicaPorts.to}`,
      );
    return out;
  }
}
