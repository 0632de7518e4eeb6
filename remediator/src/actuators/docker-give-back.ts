import type Docker from 'dockerode';
import { isDraining } from '@homeostat/contracts';
import { removeContainer } from './docker-clone';
import { clonesPastHold } from './docker-clone-hold';
import { drainWait, markDraining } from './docker-drain';
import type { GiveBack, SweepContext } from './scale-out-hold';

export interface GiveBackOptions {
  /** The hold's length, to report how long each clone was held. */
  holdSeconds: number;
  /** How long a clone keeps serving under its draining name before it is removed (0: at once). */
  drainSeconds: number;
  /** Whether an action runs on this actuator now (nothing is given back from under it). */
  busy: () => boolean;
  /** Aborted when the remediator stops its background work: the drain ends, the clones stay draining. */
  stopping: AbortSignal;
  /** The target's serving replicas now (draining clones not counted), for the give-back's record. */
  replicas: (target: GiveBack['target']) => Promise<number>;
}

/**
 * Gives back, per target, the oldest clone past its hold: only clones of incidents this
 * remediator's state knows (another remediator on the same engine gives back its own), never while
 * an action runs or an incident holds the target.
 *
 * A give-back must never look like a crash. A serving clone removed at once stays a scrape target
 * answering nothing (up == 0) until discovery catches up, and HomeostatTargetDown took that for the
 * service going down: the remediator then restarted the healthy original. So each clone is drained
 * first, as the process actuator drains through the gateway: renamed with DRAINING_SUFFIX (discovery
 * drops it while it still answers; the actuator no longer counts or picks it), kept serving for
 * `drainSeconds`, then removed and reported. A clone that is its target's last running replica is
 * kept (the next sweep looks again). Stopped mid-drain, a clone stays draining and past its
 * hold, and the next sweep (this remediator's or the next leader's) drains it again and removes it.
 */
export async function giveBackClones(docker: Docker, o: GiveBackOptions, ctx: SweepContext): Promise<void> {
  const done = new Set<string>();
  const draining: (Awaited<ReturnType<typeof clonesPastHold>>[number] & { before: number })[] = [];
  for (const c of await clonesPastHold(docker, o.holdSeconds, ctx.now)) {
    const key = JSON.stringify(c.target);
    if (done.has(key) || (c.incidentId !== null && !ctx.ownsIncident(c.incidentId))) continue;
    if (!ctx.mayAct()) break;
    if (o.busy() || ctx.targetBusy(c.target)) continue;
    done.add(key);
    try {
      // counted before the rename: a draining clone is no longer a replica
      const before = await o.replicas(c.target);
      // never the target's last running replica: a clone left serving for a container that did not
      // come back (docker-surge.ts) is the service until a restart or a scale-out brings another
      // (a clone already draining, left by a remediator stopped mid-drain, is not in that count)
      if (before - (isDraining(c.name) ? 0 : 1) < 1) continue;
      if (await markDraining(docker, c.id, c.name)) draining.push({ ...c, before });
    } catch (e) {
      ctx.failed('docker', c.replica, e);
    }
  }
  if (draining.length === 0) return;
  // one wait for every clone of this sweep
  await drainWait(o.drainSeconds, o.stopping);
  for (const c of draining) {
    if (!ctx.mayAct()) return;
    try {
      await removeContainer(docker, c.id);
    } catch (e) {
      ctx.failed('docker', c.replica, e);
      continue;
    }
    const { id: _id, name: _name, before, ...g } = c;
    // the change the give-back made, as the timeline shows it (process-give-back.ts does the same)
    const after = await o.replicas(c.target).catch(() => null);
    ctx.given(after === null ? g : { ...g, replicas: { before, after } });
  }
}
