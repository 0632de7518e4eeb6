import Docker from 'dockerode';
import type { ApiCall, Target } from '@homeostat/contracts';
import { RemediatorError } from '../errors';
import type { TargetSnapshot } from '../policy/decide';
import type { ActRequest, Actuator, Plan } from './actuator';
import { createClone, removeContainer } from './docker-clone';
import { drainAndRemove } from './docker-drain';
import { alertedContainer, containersToRestart, restartContainers } from './docker-restart';
import { restartBehindSurge } from './docker-surge';
import { targetContainers, type Ctr } from './docker-containers';
import { giveBackClones } from './docker-give-back';
import { CLONE_LABEL, cloneFilter, NUMBER } from './docker-labels';
import { ScaleOutHold, type GiveBack, type ScaleOutHoldOptions, type SweepContext } from './scale-out-hold';

export { CLONE_LABEL, CLONE_OF_LABEL, INCIDENT_LABEL } from './docker-labels';

export interface DockerActuatorOptions {
  socketPath?: string;
  /** Env var holding the listen port; host-network clones get a fresh free port in it. */
  portEnv?: string;
  /** Clones made by scale_out are removed when this hold ends (none: kept until scale_in/undo). */
  hold?: ScaleOutHoldOptions;
  /**
   * Seconds a clone leaving (hold give-back, scale_in, undo of a scale_out) keeps serving under its
   * draining name (DRAINING_SUFFIX) before it is removed: cover discovery's lag (Prometheus
   * docker_sd refresh plus its target update throttles, a gateway's DNS refresh). 0: at once.
   */
  drainSeconds?: number;
  /**
   * A restart of several running containers waits this long after each one without a healthcheck
   * before the next (with one, for `healthy`). Default 10.
   */
  minReadySeconds?: number;
  /**
   * A restart of a service's only running container starts a clone first and restarts the
   * container once the clone serves, so the service keeps answering (docker-surge.ts). Default true;
   * false restarts it in place (a second or two with nobody to answer).
   */
  surgeRestart?: boolean;
}

/** States a restart can bring back to running. */
const RESTARTABLE_STATES = ['running', 'exited', 'dead', 'created'] as const;

/**
 * Docker Engine via dockerode. Targets: `compose-service` (name = service, namespace = compose
 * project) or `container` (name = container name). Scale out clones the service's first container
 * with compose's labels plus CLONE_LABEL; scale in removes only clones.
 */
export class DockerActuator implements Actuator {
  readonly kind = 'docker' as const;
  readonly docker: Docker;
  private readonly hold: ScaleOutHold | null;
  /** Actions running: the hold never removes a clone under one (it may be the action's target). */
  private busy = 0;
  /** Aborted when the background work stops: a drain in progress ends at once, its clone left draining. */
  private stopping = new AbortController();

  constructor(private readonly opts: DockerActuatorOptions = {}) {
    this.docker = new Docker({ socketPath: opts.socketPath ?? '/var/run/docker.sock' });
    this.hold = opts.hold ? new ScaleOutHold('docker', opts.hold) : null;
  }

  /** Gives back clones past their hold now (a previous run's too), then every few seconds. */
  async reconcile(): Promise<void> {
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    await this.sweepHolds();
    this.hold?.start((ctx) => this.giveBack(ctx));
  }

  /** One sweep of the scale-out hold now. */
  sweepHolds(): Promise<GiveBack[]> {
    return this.hold ? this.hold.sweep((ctx) => this.giveBack(ctx)) : Promise.resolve([]);
  }

  /** Stops the hold's sweep and waits for one in progress (before leadership is released). */
  async stopBackground(): Promise<void> {
    this.stopping.abort();
    await this.hold?.stop();
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.hold?.stop();
  }

  private giveBack(ctx: SweepContext): Promise<void> {
    return giveBackClones(
      this.docker,
      {
        holdSeconds: this.opts.hold?.holdSeconds ?? 0,
        drainSeconds: this.opts.drainSeconds ?? 0,
        busy: () => this.busy > 0,
        stopping: this.stopping.signal,
        replicas: async (target) => (await this.containers(target)).length,
      },
      ctx,
    );
  }

  /** The target's containers in the given states (running only, unless a restart needs the dead ones). */
  containers(target: Target, states: readonly string[] = ['running']): Promise<Ctr[]> {
    return targetContainers(this.docker, target, states);
  }

  async snapshot(target: Target): Promise<TargetSnapshot> {
    const cs = await this.containers(target);
    return {
      replicas: cs.length,
      containers: cs.map((c) => ({
        id: c.id,
        name: c.name,
        clone: c.labels[CLONE_LABEL] === 'true',
        networks: c.networks,
      })),
    };
  }

  async plan(req: ActRequest, before: TargetSnapshot): Promise<Plan> {
    this.busy++;
    try {
      const p = await this.planAction(req, before);
      return {
        apiCall: p.apiCall,
        run: async () => {
          this.busy++;
          try {
            return await p.run();
          } finally {
            this.busy--;
          }
        },
      };
    } finally {
      this.busy--;
    }
  }

  private async planAction(req: ActRequest, _before: TargetSnapshot): Promise<Plan> {
    // A crashed replica has exited (compose services run with restart: "no" so that healing is ours),
    // so a restart must see exited containers too; stop (whose undo starts the container) and
    // scaling count running ones only.
    const withDead = req.action === 'restart';
    // Clones that exited (died on start, or stopped by hand) hold names and numbers: removed first.
    if (req.action === 'scale_out' || req.action === 'scale_in')
      await this.reconcileClones(req.target, { onlyStopped: true });
    const cs = await this.containers(req.target, withDead ? RESTARTABLE_STATES : ['running']);
    if (cs.length === 0)
      throw new RemediatorError('TARGET_UNRESOLVED', `no container for ${req.target.name}`, {
        field: 'target.name',
      });
    // the replica an action on one replica is about (resolved only by those; a restart chooses its own)
    const one = () => alertedContainer(cs, req.labels);
    const grace = Number(req.params.graceSeconds ?? 10);
    switch (req.action) {
      case 'restart': {
        const set = containersToRestart(cs, req.labels);
        const ids = [...set.down, ...set.roll].map((c) => c.id);
        const restartOptions = {
          graceSeconds: grace,
          minReadySeconds: this.opts.minReadySeconds ?? 10,
          ...(req.signal ? { signal: req.signal } : {}),
        };
        // the service's only running container: a clone serves while it restarts (docker-surge.ts)
        const lone = set.roll.length === 1 && cs.filter((c) => c.state === 'running').length === 1;
        if (lone && this.opts.surgeRestart !== false) {
          const c = set.roll[0]!;
          return {
            apiCall: {
              method: 'POST',
              path: `/containers/${c.id}/restart?t=${grace}`,
              contentType: 'application/json',
              body: { surgeFrom: c.id },
            },
            run: async () => {
              const r = await restartBehindSurge(this.docker, c, {
                ...restartOptions,
                createSurge: () => this.clone(req, c.id),
                retireSurge: (id) => this.drainAndRemove([id]),
              });
              return { ...(await this.snapshot(req.target)), ...r };
            },
          };
        }
        return {
          apiCall: {
            method: 'POST',
            path: `/containers/${ids[0]!}/restart?t=${grace}`,
            // an alert about the whole service: the same call for each of these, in this order; the
            // snapshot after it (`restarted`) says which were
            ...(ids.length > 1 ? { contentType: 'application/json', body: { inTurn: ids } } : {}),
          },
          run: async () => {
            const restarted = await restartContainers(this.docker, set, restartOptions);
            return { ...(await this.snapshot(req.target)), restarted };
          },
        };
      }
      case 'stop': {
        const inst = one();
        return {
          apiCall: { method: 'POST', path: `/containers/${inst.id}/stop?t=${grace}` },
          run: async () => {
            // `stopped` is what undo starts again: only ever a container that was running (see withDead)
            await this.stopQuietly(inst.id, grace);
            return { ...(await this.snapshot(req.target)), stopped: inst.id };
          },
        };
      }
      case 'scale_out': {
        const n = Math.max(0, (req.desiredReplicas ?? cs.length + 1) - cs.length);
        const template = cs[0]!;
        return {
          apiCall: {
            method: 'POST',
            path: `/containers/create?name=${this.cloneName(req.target, cs)}`,
            contentType: 'application/json',
            body: { from: template.id, count: n },
          },
          run: async () => {
            const clones: string[] = [];
            for (let i = 0; i < n; i++) clones.push(await this.clone(req, template.id));
            return { ...(await this.snapshot(req.target)), clones };
          },
        };
      }
      case 'scale_in': {
        const n = Math.max(0, cs.length - (req.desiredReplicas ?? cs.length - 1));
        // n = 0 removes nothing (slice(-0) would be every clone)
        const victims = n > 0 ? cs.filter((c) => c.labels[CLONE_LABEL] === 'true').slice(-n) : [];
        return {
          apiCall: { method: 'DELETE', path: `/containers/${victims[0]?.id ?? 'none'}?force=true` },
          run: async () => {
            await this.drainAndRemove(victims.map((v) => v.id));
            return { ...(await this.snapshot(req.target)), removed: victims.map((v) => v.id) };
          },
        };
      }
      case 'isolate': {
        const inst = one();
        const nets = Object.keys(inst.networks).filter((n) => n !== 'host' && n !== 'none');
        if (nets.length === 0)
          throw new RemediatorError(
            'ACTION_UNSUPPORTED',
            `container ${inst.name} uses host networking and cannot be isolated`,
            { field: 'action' },
          );
        return {
          apiCall: {
            method: 'POST',
            path: `/networks/${nets[0]}/disconnect`,
            contentType: 'application/json',
            body: { Container: inst.id, Force: false },
          },
          run: async () => {
            for (const n of nets)
              await this.docker.getNetwork(n).disconnect({ Container: inst.id, Force: false });
            return {
              ...(await this.snapshot(req.target)),
              isolated: { id: inst.id, networks: Object.fromEntries(nets.map((n) => [n, inst.networks[n]])) },
            };
          },
        };
      }
      default:
        throw new RemediatorError('ACTION_UNSUPPORTED', `docker actuator cannot ${req.action}`, {
          field: 'action',
        });
    }
  }

  async undo(req: ActRequest, _before: TargetSnapshot, after: TargetSnapshot): Promise<ApiCall | null> {
    this.busy++;
    try {
      return await this.undoAction(req, after);
    } finally {
      this.busy--;
    }
  }

  private async undoAction(req: ActRequest, after: TargetSnapshot): Promise<ApiCall | null> {
    switch (req.action) {
      case 'scale_out': {
        const clones = (after.clones as string[] | undefined) ?? [];
        await this.drainAndRemove(clones);
        return clones.length ? { method: 'DELETE', path: `/containers/${clones[0]}?force=true` } : null;
      }
      case 'isolate': {
        const iso = after.isolated as
          { id: string; networks: Record<string, { aliases: string[] }> } | undefined;
        if (!iso) return null;
        const entries = Object.entries(iso.networks);
        for (const [n, v] of entries)
          await this.docker
            .getNetwork(n)
            .connect({ Container: iso.id, EndpointConfig: { Aliases: v.aliases } });
        return {
          method: 'POST',
          path: `/networks/${entries[0]?.[0] ?? ''}/connect`,
          contentType: 'application/json',
          body: { Container: iso.id },
        };
      }
      case 'stop': {
        const id = after.stopped as string | undefined;
        if (!id) return null;
        await this.docker.getContainer(id).start();
        return { method: 'POST', path: `/containers/${id}/start` };
      }
      default:
        return null;
    }
  }

  /** Removes clones of a service (all, or only stopped ones): what `reconcile` after a compose up needs. */
  async reconcileClones(target: Target, { onlyStopped = false } = {}): Promise<string[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: JSON.stringify(cloneFilter(target)),
    });
    const victims = list.filter((c) => !onlyStopped || c.State !== 'running');
    for (const c of victims) await this.removeContainer(c.Id);
    return victims.map((c) => c.Id);
  }

  /** A new replica cloned from `templateId`, given back when the scale-out hold ends. */
  private clone(req: ActRequest, templateId: string): Promise<string> {
    return createClone(this.docker, {
      templateId,
      target: req.target,
      incidentId: req.incidentId,
      portEnv: this.opts.portEnv ?? 'PORT',
      ...(this.hold ? { holdUntil: this.hold.until() } : {}),
    });
  }

  private cloneName(target: Target, cs: Ctr[]): string {
    const n = 1 + Math.max(0, ...cs.map((c) => Number(c.labels[NUMBER] ?? 0)));
    return target.kind === 'container'
      ? `${target.name}-clone-${n}`
      : `${target.namespace ?? 'default'}-${target.name}-${n}`;
  }

  private async stopQuietly(id: string, t: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 304) throw e; // 304: already stopped
    }
  }

  /** A clone leaving as a give-back does (drainSeconds out of discovery first): never a crash. */
  private drainAndRemove(ids: readonly string[]): Promise<void> {
    return drainAndRemove(this.docker, ids, this.opts.drainSeconds ?? 0, this.stopping.signal);
  }

  private removeContainer(id: string): Promise<void> {
    return removeContainer(this.docker, id);
  }
}
