import type { ProcessGroupConfig } from '../config';
import { RemediatorError } from '../errors';
import { portIsFree, type Replica } from './process-supervisor';

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

/** The port of an `instance` label (`host:port`); NaN when it has none. */
export function instancePort(instance: string): number {
  return Number(instance.split(':').pop());
}

/** The replica an `instance` label (`host:port`) names, by its port; undefined when none or no label. */
export function replicaNamed(replicas: Replica[], instance: string | undefined): Replica | undefined {
  if (instance === undefined) return undefined;
  const port = instancePort(instance);
  return replicas.find((x) => x.port === port);
}

/**
 * The replica the alert is about: its `instance` label's port; without the label, the first in
 * rotation. A label that names none of the group's replicas (an exporter's address, a replica gone
 * since) is refused: acting on another replica instead would act on the wrong thing.
 */
export function alertedReplica(replicas: Replica[], instance: string | undefined): Replica {
  if (instance !== undefined) {
    const r = replicaNamed(replicas, instance);
    if (!r)
      throw new RemediatorError(
        'TARGET_UNRESOLVED',
        `instance ${instance} is none of the group's replicas (ports ${replicas.map((x) => x.port).join(', ')})`,
        { field: 'labels.instance' },
      );
    return r;
  }
  const r = replicas.find((x) => !x.isolated) ?? replicas[0];
  if (!r)
    throw new RemediatorError('TARGET_UNRESOLVED', 'process group has no replicas', {
      field: 'target.name',
    });
  return r;
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
