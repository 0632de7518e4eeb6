import type Docker from 'dockerode';
import { isDraining, type Target } from '@homeostat/contracts';
import { CLONE_LABEL, CLONE_OF_LABEL, NUMBER, PROJECT, SERVICE } from './docker-labels';

/** A target's container as the Docker actuator plans with it. */
export interface Ctr {
  id: string;
  name: string;
  /** Docker's State: running, exited, dead, created... */
  state: string;
  /** Its healthcheck reports it unhealthy. */
  unhealthy: boolean;
  labels: Record<string, string>;
  networks: Record<string, { aliases: string[] }>;
}

/** Docker's name filter is a regular expression: a name must match itself only (`api.1` not `api-1`). */
function exactNameFilter(name: string): string {
  return `^/${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/**
 * The target's containers in the given states: a compose service's by its project and service
 * labels, a `container` target and its clones. Originals first, then clones by number.
 */
export async function targetContainers(
  docker: Docker,
  target: Target,
  states: readonly string[],
): Promise<Ctr[]> {
  const status = [...states];
  // A `container` target counts its clones too (else replicas.max is never enforced).
  const queries =
    target.kind === 'container'
      ? [
          { name: [exactNameFilter(target.name)], status },
          { label: [`${CLONE_OF_LABEL}=${target.name}`, `${CLONE_LABEL}=true`], status },
        ]
      : [{ label: [`${PROJECT}=${target.namespace ?? ''}`, `${SERVICE}=${target.name}`], status }];
  const lists = await Promise.all(
    queries.map((filters) => docker.listContainers({ filters: JSON.stringify(filters) })),
  );
  const seen = new Set<string>();
  // a clone being given back is no longer a replica: never counted, restarted or scaled in
  return lists
    .flat()
    .filter((c) => !seen.has(c.Id) && seen.add(c.Id) && !isDraining(c.Names[0] ?? ''))
    .map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      state: c.State,
      unhealthy: c.Status.includes('(unhealthy)'),
      labels: c.Labels,
      networks: Object.fromEntries(
        Object.entries(c.NetworkSettings?.Networks ?? {}).map(([n, v]) => [n, { aliases: v.Aliases ?? [] }]),
      ),
    }))
    .sort(
      (a, b) =>
        Number(a.labels[CLONE_LABEL] === 'true') - Number(b.labels[CLONE_LABEL] === 'true') ||
        Number(a.labels[NUMBER] ?? 0) - Number(b.labels[NUMBER] ?? 0),
    );
}
