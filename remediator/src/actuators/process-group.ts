import type { ProcessGroupConfig } from '../config';
import { RemediatorError } from '../errors';
import { isAlive, portIsFree, type Replica } from './process-supervisor';

/** One configured process group as the process actuator keeps it in memory. */
export interface ProcessGroup {
  cfg: ProcessGroupConfig;
  replicas: Replica[];
  /** Actions running on the group: the hold never gives a replica back under one. */
  busy: number;
}

/** Removes `r` from the list if it is still there (two removals never take out a third replica). */
export function removeReplica(list: Replica[], r: Replica): void {
  const i = list.indexOf(r);
  if (i >= 0) list.splice(i, 1);
}

/** The replica the alert is about (its `instance` label's port), else the first one. */
export function alertedReplica(replicas: Replica[], instance: string | undefined): Replica {
  const port = Number(instance?.split(':').pop());
  const r = replicas.find((x) => x.port === port) ?? replicas.find((x) => !x.isolated) ?? replicas[0];
  if (!r)
    throw new RemediatorError('TARGET_UNRESOLVED', 'process group has no replicas', {
      field: 'target.name',
    });
  return r;
}

/**
 * The replicas a restart replaces. An alert that names a replica (its `instance` label's port) is
 * about that one. An alert about the whole service (HomeostatAnomaly and HomeostatTargetDown are
 * aggregated by service) cannot say which replica is at fault: a replica that is down is, and only
 * those restart; with none down, every replica in rotation restarts in turn, as `kubectl rollout
 * restart` does for a Deployment. Restarting the first replica instead left a fault on any other
 * replica in place while the action read as done.
 */
export function replicasToRestart(replicas: Replica[], instance: string | undefined): Replica[] {
  if (instance !== undefined && replicas.some((x) => x.port === Number(instance.split(':').pop())))
    return [alertedReplica(replicas, instance)];
  const down = replicas.filter((r) => !r.isolated && !isAlive(r));
  if (down.length > 0) return down;
  const serving = replicas.filter((r) => !r.isolated);
  return serving.length > 0 ? serving : [alertedReplica(replicas, instance)];
}

/**
 * Ports of `g`'s range that no replica of any group uses and nothing else is bound to right now.
 */
export async function freeReplicaPorts(
  groups: Iterable<ProcessGroup>,
  g: ProcessGroup,
  n: number,
): Promise<number[]> {
  const used = new Set([...groups].flatMap((x) => x.replicas.map((r) => r.port)));
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
