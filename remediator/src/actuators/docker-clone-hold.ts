import type Docker from 'dockerode';
import type { GiveBack } from './scale-out-hold';

/**
 * On clones a scale-out made: when the hold gives the clone back (epoch ms). Kept on the container,
 * not in the remediator's memory, so a restarted (or another) remediator gives back what a previous
 * one added, and `docker inspect` shows a human when it will go.
 */
export const HOLD_UNTIL_LABEL = 'io.homeostat.remediator.hold-until';

const SERVICE = 'com.docker.compose.service';

/**
 * The clones (`cloneLabel=true`) whose hold has ended, in any state, with what the audit records
 * about each. A clone without the hold label (made before holds existed, or with no hold
 * configured) is kept until a scale_in or an undo removes it.
 */
export async function clonesPastHold(
  docker: Docker,
  cloneLabel: string,
  incidentLabel: string,
  cloneOfLabel: string,
  holdSeconds: number,
  now: number,
): Promise<(GiveBack & { id: string })[]> {
  const list = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`${cloneLabel}=true`, HOLD_UNTIL_LABEL] }),
  });
  return list.flatMap((c) => {
    const until = Number(c.Labels[HOLD_UNTIL_LABEL]);
    if (!Number.isFinite(until) || until > now) return [];
    return [
      {
        id: c.Id,
        actuator: 'docker' as const,
        target: c.Labels[cloneOfLabel] ?? c.Labels[SERVICE] ?? '',
        replica: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        incidentId: c.Labels[incidentLabel] ?? null,
        heldSeconds: Math.round(holdSeconds + (now - until) / 1000),
      },
    ];
  });
}
