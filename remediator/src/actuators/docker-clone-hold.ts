import type Docker from 'dockerode';
import { undrainedName } from '@homeostat/contracts';
import {
  CLONE_LABEL,
  CLONE_OF_LABEL,
  HOLD_UNTIL_LABEL,
  INCIDENT_LABEL,
  PROJECT,
  SERVICE,
} from './docker-labels';
import type { GiveBack } from './scale-out-hold';

/**
 * The clones (CLONE_LABEL) whose hold has ended, in any state (one already draining too: a
 * remediator stopped mid-drain leaves it to the next sweep), with what the audit records about
 * each (`replica`: the clone's own name, without the draining mark) and its current `name`.
 * A clone without the hold label (made before holds existed, or with no hold configured) is kept
 * until a scale_in or an undo removes it.
 */
export async function clonesPastHold(
  docker: Docker,
  holdSeconds: number,
  now: number,
): Promise<(GiveBack & { id: string; name: string })[]> {
  const list = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`${CLONE_LABEL}=true`, HOLD_UNTIL_LABEL] }),
  });
  return list
    .sort((a, b) => Number(a.Labels[HOLD_UNTIL_LABEL]) - Number(b.Labels[HOLD_UNTIL_LABEL]))
    .flatMap((c) => {
      const until = Number(c.Labels[HOLD_UNTIL_LABEL]);
      if (!Number.isFinite(until) || until > now) return [];
      const name = (c.Names[0] ?? c.Id).replace(/^\//, '');
      return [
        {
          id: c.Id,
          name,
          actuator: 'docker' as const,
          // the target as a policy rule names it: the container cloned, or the compose service in its project
          target: c.Labels[CLONE_OF_LABEL]
            ? { actuator: 'docker' as const, kind: 'container' as const, name: c.Labels[CLONE_OF_LABEL] }
            : {
                actuator: 'docker' as const,
                kind: 'compose-service' as const,
                name: c.Labels[SERVICE] ?? '',
                ...(c.Labels[PROJECT] ? { namespace: c.Labels[PROJECT] } : {}),
              },
          replica: undrainedName(name),
          incidentId: c.Labels[INCIDENT_LABEL] ?? null,
          heldSeconds: Math.round(holdSeconds + (now - until) / 1000),
        },
      ];
    });
}
