import type Docker from 'dockerode';
import { RemediatorError } from '../errors';
import { removeContainer } from './docker-clone';
import { restartContainers, serving, type RestartCandidate, type RestartOptions } from './docker-restart';

export interface SurgeRestartOptions extends RestartOptions {
  /** Starts the surge: a clone of the container (docker-clone.ts) carrying the scale-out hold. Returns its id. */
  createSurge: () => Promise<string>;
  /** Drains and removes the surge once the restarted container serves again (docker-drain.ts). */
  retireSurge: (id: string) => Promise<void>;
}

export interface SurgeRestartResult {
  restarted: string[];
  /** The clone that served while the container restarted (retired again at the end). */
  surge?: string;
  /** Why the container restarted in place after all (no surge could serve first). */
  surgeSkipped?: string;
}

/**
 * Restarts a service's only running container without a gap, as a rolling update with maxSurge 1 /
 * maxUnavailable 0 does (and the process actuator's surge replica): a clone of it starts first
 * and, once it serves (healthy, or running `minReadySeconds` without a healthcheck, which also
 * gives discovery time to route to it), the container restarts; when it serves again, the clone is
 * drained and removed. In place, a lone container left its service with nobody to answer while it
 * stopped and started: for a latency or pool fault, slow answers traded for errors, which is why
 * the Docker ladders put scale-out first and outlived those faults (chaos/README.md, seed 34037).
 *
 * A surge that cannot be made or does not serve (a writable mount, a clone that exits) is removed
 * and the container restarts in place: the restart is what was asked for, and the audit says why
 * (`surgeSkipped`). When the restart fails, or the container does not serve again, the surge stays
 * as the service's capacity (the error names it) and the scale-out hold gives it back later, which
 * it never does to a target's last running replica.
 */
export async function restartBehindSurge(
  docker: Docker,
  c: RestartCandidate,
  o: SurgeRestartOptions,
): Promise<SurgeRestartResult> {
  const inPlace = async (why: string): Promise<SurgeRestartResult> => ({
    restarted: await restartContainers(docker, { down: [], roll: [c] }, o),
    surgeSkipped: why,
  });
  let surge: string;
  try {
    surge = await o.createSurge();
  } catch (e) {
    if (o.signal?.aborted) throw e;
    return inPlace(`no surge: ${(e as Error).message}`);
  }
  const name = `surge of ${c.name}`;
  try {
    await serving(docker, { id: surge, name, state: 'running' }, o);
  } catch (e) {
    await removeContainer(docker, surge);
    if (o.signal?.aborted) throw e;
    return inPlace(`no surge: ${(e as Error).message}`);
  }
  try {
    // one container in the roll: restarted, not waited for (the roll waits only between containers)
    const restarted = await restartContainers(docker, { down: [], roll: [c] }, o);
    await serving(docker, c, o);
    await o.retireSurge(surge);
    return { restarted, surge };
  } catch (e) {
    throw new RemediatorError(
      'ACTUATOR_FAILED',
      `${(e as Error).message}; the surge ${surge.slice(0, 12)} keeps serving until the scale-out hold gives it back`,
      { cause: e },
    );
  }
}
