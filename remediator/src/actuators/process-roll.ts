import type { ProcessCalls } from './process-calls';
import { alertedReplica, replicaNamed, type ProcessGroup } from './process-group';
import { answers, restartWithoutGap } from './process-restart';
import { isAlive, type Replica } from './process-supervisor';
import { failedEntry, rollError } from './roll-error';

/**
 * What a restart replaces. An alert that names a replica (its `instance` label's port) is about
 * that one. An alert about the whole service (HomeostatAnomaly and HomeostatTargetDown are
 * aggregated by service), or one whose `instance` is something else (a rule on the detector's own
 * series carries the detector's address), cannot say which replica is at fault: the replicas that
 * are down restart, all at once (they serve nobody, and one that dies again must not keep the
 * others down); with none down, every replica in rotation restarts in turn, as `kubectl rollout
 * restart` does. Restarting the first replica instead left a fault on any other replica in place
 * while the action read as done. (Actions on one replica refuse an `instance` that names none:
 * process-group.ts.)
 */
export interface RestartSet {
  /** Not running: restarted together. */
  down: Replica[];
  /** Running: restarted one after the other, the ones failing their ready probe first. */
  roll: Replica[];
}

export function replicasToRestart(replicas: Replica[], instance: string | undefined): RestartSet {
  const named = replicaNamed(replicas, instance);
  if (named) return isAlive(named) ? { down: [], roll: [named] } : { down: [named], roll: [] };
  const down = replicas.filter((r) => !r.isolated && !isAlive(r));
  if (down.length > 0) return { down, roll: [] };
  const serving = replicas.filter((r) => !r.isolated);
  // every replica isolated: the first, as an action on one replica would (none at all: refused)
  return { down: [], roll: serving.length > 0 ? serving : [alertedReplica(replicas, undefined)] };
}

/**
 * Runs a RestartSet. A roll stops at the first replica that fails (restarting more would take more
 * capacity away from a service already short of it) or when the remediator shuts down; the error
 * says which replicas were restarted, which failed and which were not touched. Returns the ports
 * restarted and the surge replica's, if one served while a lone replica restarted.
 */
export async function restartReplicas(
  c: ProcessCalls,
  g: ProcessGroup,
  set: RestartSet,
  o: { graceSeconds: number; incidentId: string; signal?: AbortSignal },
): Promise<{ restarted: number[]; surgePort: number | null }> {
  const restarted: number[] = [];
  const failed: string[] = [];
  let surgePort: number | null = null;
  const one = async (r: Replica) => {
    const res = await restartWithoutGap(c, g, r, { graceSeconds: o.graceSeconds, incidentId: o.incidentId });
    restarted.push(r.port);
    surgePort = res.surgePort ?? surgePort;
  };
  const down = set.down.filter((r) => g.replicas.includes(r));
  const outcome = await Promise.allSettled(down.map(one));
  outcome.forEach((x, i) => {
    if (x.status === 'rejected') failed.push(failedEntry(String(down[i]!.port), x.reason));
  });
  // a replica that fails its ready probe is the likelier culprit: it goes first
  const ready = await Promise.all(set.roll.map((r) => answers(c, g, r)));
  const order = set.roll
    .map((r, i) => ({ r, ready: ready[i] }))
    .sort((a, b) => Number(a.ready) - Number(b.ready));
  const untouched = (from: number) => order.slice(from).map((x) => String(x.r.port));
  const stopped = (notTouched: string[], why?: string, cause?: unknown) =>
    rollError(
      `restart of ${g.cfg.name}`,
      { restarted: restarted.map(String), failed, notTouched },
      why,
      cause,
    );
  for (const [i, { r }] of order.entries()) {
    if (!g.replicas.includes(r)) continue; // given back or removed since the plan
    if (o.signal?.aborted) throw stopped(untouched(i), 'the remediator is shutting down');
    try {
      await one(r);
    } catch (e) {
      failed.push(failedEntry(String(r.port), e));
      throw stopped(untouched(i + 1), undefined, e);
    }
  }
  if (failed.length > 0) throw stopped([]);
  return { restarted, surgePort };
}
