import type Docker from 'dockerode';
import { RemediatorError } from '../errors';

/** A container as the restart chooses among them (docker.ts lists them). */
export interface RestartCandidate {
  id: string;
  name: string;
  state: string;
}

/**
 * The containers a restart replaces: the one the alert names (`container` or `container_id`
 * label); else, for an alert about the whole service (HomeostatAnomaly and HomeostatTargetDown are
 * aggregated by service and cannot say which replica is at fault), those that are down; else every
 * running one, in turn, as `kubectl rollout restart` does. Restarting the first container only left
 * a fault on any other replica in place while the action read as done.
 */
export function containersToRestart<C extends RestartCandidate>(
  cs: C[],
  labels: Record<string, string>,
): C[] {
  const named = cs.find(
    (c) => c.name === labels.container || c.id.startsWith(labels.container_id ?? '\u0000'),
  );
  if (named) return [named];
  const down = cs.filter((c) => c.state !== 'running');
  return down.length > 0 ? down : cs;
}

/**
 * Restarts the containers one after the other, each only once the one before runs again and, when
 * its image has a healthcheck, reports healthy: the others serve meanwhile. `timeoutMs` bounds the
 * wait for each.
 */
export async function restartInTurn(
  docker: Docker,
  ids: readonly string[],
  o: { graceSeconds: number; timeoutMs?: number },
): Promise<void> {
  for (const [i, id] of ids.entries()) {
    await docker.getContainer(id).restart({ t: o.graceSeconds });
    // the last one has no next to hold back; the action's verification judges the service
    if (i < ids.length - 1) await serving(docker, id, o.timeoutMs ?? 60_000);
  }
}

async function serving(docker: Docker, id: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = (await docker.getContainer(id).inspect()).State;
    const health = s.Health?.Status;
    if (s.Running && (health === undefined || health === 'healthy')) return;
    if (Date.now() > until)
      throw new RemediatorError(
        'ACTUATOR_FAILED',
        `container ${id.slice(0, 12)} is not serving ${timeoutMs / 1000} s after its restart (${s.Status}${health ? `, ${health}` : ''}); the others were not restarted`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}
