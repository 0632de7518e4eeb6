import type { Target } from '@homeostat/contracts';

/** Compose's labels, which clones carry too (so `docker compose ps` lists them with their service). */
export const PROJECT = 'com.docker.compose.project';
export const SERVICE = 'com.docker.compose.service';
export const NUMBER = 'com.docker.compose.container-number';
/** Marks containers this actuator created, so they can be reconciled and removed (never originals). */
export const CLONE_LABEL = 'io.homeostat.remediator.clone';
export const INCIDENT_LABEL = 'io.homeostat.remediator.incident';
/** On clones of a `kind: container` target: the name of the container they were cloned from. */
export const CLONE_OF_LABEL = 'io.homeostat.remediator.clone-of';
/**
 * On clones a scale-out made: when the hold gives the clone back (epoch ms). Kept on the container,
 * not in the remediator's memory, so a restarted (or another) remediator gives back what a previous
 * one added, and `docker inspect` shows a human when it will go.
 */
export const HOLD_UNTIL_LABEL = 'io.homeostat.remediator.hold-until';

/** Every clone of the target, whatever its state (a Docker label filter). */
export function cloneFilter(target: Target): { label: string[] } {
  return target.kind === 'container'
    ? { label: [`${CLONE_LABEL}=true`, `${CLONE_OF_LABEL}=${target.name}`] }
    : {
        label: [
          `${CLONE_LABEL}=true`,
          `${SERVICE}=${target.name}`,
          ...(target.namespace ? [`${PROJECT}=${target.namespace}`] : []),
        ],
      };
}
