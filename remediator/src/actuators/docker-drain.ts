import type Docker from 'dockerode';
import { DRAINING_SUFFIX, isDraining } from '@homeostat/contracts';
import { removeContainer } from './docker-clone';

/**
 * Takes a clone out of discovery while it still serves: renamed with DRAINING_SUFFIX, the one
 * change a running container allows that discovery can see (its labels are fixed at creation).
 * `name`: its current name, when known. False when the container is already gone.
 */
export async function markDraining(docker: Docker, id: string, name?: string): Promise<boolean> {
  try {
    const current = name ?? (await docker.getContainer(id).inspect()).Name.replace(/^\//, '');
    if (!isDraining(current)) await docker.getContainer(id).rename({ name: `${current}${DRAINING_SUFFIX}` });
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw e;
  }
}

/** Waits a drain's seconds, or less if `stopping` is aborted (the remediator is shutting down). */
export function drainWait(seconds: number, stopping: AbortSignal): Promise<void> {
  if (seconds <= 0 || stopping.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stopping.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, seconds * 1000);
    stopping.addEventListener('abort', done);
  });
}

/**
 * Removes clones the way a give-back does (scale_in, the undo of a scale_out): out of discovery
 * first, `seconds` of serving while discovery lets go, then removed; one wait for them all.
 * Shutting down shortens the wait, never skips the removal: the action must finish.
 */
export async function drainAndRemove(
  docker: Docker,
  ids: readonly string[],
  seconds: number,
  stopping: AbortSignal,
): Promise<void> {
  const live: string[] = [];
  for (const id of ids) if (await markDraining(docker, id)) live.push(id);
  if (live.length > 0) await drainWait(seconds, stopping);
  for (const id of live) await removeContainer(docker, id);
}
