import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { RemediatorError } from '../errors';
import { failedEntry, rollError } from './roll-error';

/** A container as the restart chooses among them (docker.ts lists them). */
export interface RestartCandidate {
  id: string;
  name: string;
  state: string;
  /** Its healthcheck reports it unhealthy (Docker's list says "(unhealthy)"). */
  unhealthy?: boolean;
}

/**
 * What a restart replaces. An alert that names a container (`container` or `container_id` label)
 * is about that one. An alert about the whole service (HomeostatAnomaly and HomeostatTargetDown are
 * aggregated by service), or one whose label names some other container, cannot say which replica
 * is at fault: the containers that are down restart, all at once (they serve nobody, and one that
 * dies again must not keep the others down); with none down, every running one restarts in turn, as
 * `kubectl rollout restart` does. Restarting the first container instead left a fault on any other
 * replica in place while the action read as done. (Actions on one container refuse a label that
 * names none: alertedContainer.)
 */
export interface ContainerRestartSet<C> {
  down: C[];
  roll: C[];
}

export function containersToRestart<C extends RestartCandidate>(
  cs: C[],
  labels: Record<string, string>,
): ContainerRestartSet<C> {
  const { container, container_id: id } = labels;
  const named = cs.find(
    (x) => x.name === container || (id !== undefined && id !== '' && x.id.startsWith(id)),
  );
  if (named) return named.state === 'running' ? { down: [], roll: [named] } : { down: [named], roll: [] };
  const down = cs.filter((c) => c.state !== 'running');
  if (down.length > 0) return { down, roll: [] };
  // an unhealthy container is the likelier culprit: it goes first
  return { down: [], roll: [...cs].sort((a, b) => Number(!!b.unhealthy) - Number(!!a.unhealthy)) };
}

/**
 * The container an action on one replica is about: the one the `container` or `container_id`
 * label names; without either, the first. A label that names none of the target's containers is
 * refused: acting on another container instead would act on the wrong thing.
 */
export function alertedContainer<C extends RestartCandidate>(cs: C[], labels: Record<string, string>): C {
  const { container, container_id: id } = labels;
  if (container === undefined && id === undefined) return cs[0]!;
  const c = cs.find((x) => x.name === container || (id !== undefined && id !== '' && x.id.startsWith(id)));
  if (!c)
    throw new RemediatorError(
      'TARGET_UNRESOLVED',
      `container ${container ?? id} is none of the target's containers (${cs.map((x) => x.name).join(', ')})`,
      { field: container !== undefined ? 'labels.container' : 'labels.container_id' },
    );
  return c;
}

export interface RestartOptions {
  graceSeconds: number;
  /**
   * Without a healthcheck, how long a restarted container must run before the next one restarts
   * (Docker's restart returns once the process started, long before it serves). With one, the
   * next waits for `healthy`, as long as its start period and retries allow.
   */
  minReadySeconds: number;
  signal?: AbortSignal;
}

/**
 * Runs a ContainerRestartSet: the down ones together; then the running ones one after the other,
 * each once the one before serves again (the last is judged by the action's verification). A roll
 * stops at the first container that fails (restarting more would take more capacity away) or when
 * the remediator shuts down, and the error says which were restarted, which failed and which were
 * not touched. A container removed since the plan (a clone given back) is skipped. Returns the ids
 * restarted.
 */
export async function restartContainers<C extends RestartCandidate>(
  docker: Docker,
  set: ContainerRestartSet<C>,
  o: RestartOptions,
): Promise<string[]> {
  const restarted: string[] = [];
  const failed: string[] = [];
  const restart = async (c: C): Promise<boolean> => {
    try {
      await docker.getContainer(c.id).restart({ t: o.graceSeconds });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return false; // gone since the plan
      throw e;
    }
    restarted.push(c.id);
    return true;
  };
  const outcome = await Promise.allSettled(set.down.map(restart));
  outcome.forEach((x, i) => {
    if (x.status === 'rejected') failed.push(failedEntry(set.down[i]!.name, x.reason));
  });
  const untouched = (from: number) => set.roll.slice(from).map((c) => c.name);
  const name = (id: string) => [...set.down, ...set.roll].find((c) => c.id === id)?.name ?? id;
  const stopped = (notTouched: string[], why?: string, cause?: unknown) =>
    rollError('restart', { restarted: restarted.map(name), failed, notTouched }, why, cause);
  for (const [i, c] of set.roll.entries()) {
    if (o.signal?.aborted) throw stopped(untouched(i), 'the remediator is shutting down');
    try {
      if ((await restart(c)) && i < set.roll.length - 1) await serving(docker, c, o);
    } catch (e) {
      if (o.signal?.aborted) throw stopped(untouched(i + 1), 'the remediator is shutting down', e);
      failed.push(failedEntry(c.name, e));
      throw stopped(untouched(i + 1), undefined, e);
    }
  }
  if (failed.length > 0) throw stopped([]);
  return restarted;
}

/** Nanoseconds, as Docker's Healthcheck reports its durations. */
const ms = (ns: number | undefined, fallback: number) => (ns ? ns / 1e6 : fallback);

/**
 * Waits until a (re)started container serves: `healthy` by its healthcheck, or still running after
 * `minReadySeconds` without one. Throws when it stops, turns unhealthy or runs out of its checks' time.
 */
export async function serving(docker: Docker, c: RestartCandidate, o: RestartOptions): Promise<void> {
  // a shutdown ends the wait at once (the roll then stops with its message)
  const wait = (msec: number) => sleep(msec, undefined, o.signal ? { signal: o.signal } : {});
  const info = await docker.getContainer(c.id).inspect();
  const hc = info.Config.Healthcheck;
  if (!hc || !hc.Test || hc.Test[0] === 'NONE') {
    await wait(o.minReadySeconds * 1000);
    if (!(await docker.getContainer(c.id).inspect()).State.Running)
      throw new RemediatorError(
        'ACTUATOR_FAILED',
        `${c.name} stopped within ${o.minReadySeconds} s of its restart`,
      );
    return;
  }
  // Docker's own defaults: interval 30 s, timeout 30 s, 3 retries, no start period; each probe
  // that fails costs its timeout and then an interval before the next
  const interval = ms(hc.Interval, 30_000);
  const budget = ms(hc.StartPeriod, 0) + ((hc.Retries ?? 3) + 1) * (interval + ms(hc.Timeout, 30_000));
  const until = Date.now() + budget;
  for (;;) {
    const s = (await docker.getContainer(c.id).inspect()).State;
    if (s.Running && s.Health?.Status === 'healthy') return;
    if (!s.Running || s.Health?.Status === 'unhealthy' || Date.now() > until)
      throw new RemediatorError(
        'ACTUATOR_FAILED',
        `${c.name} is not serving after its restart (${s.Status}${s.Health ? `, ${s.Health.Status}` : ''})`,
      );
    await wait(Math.min(500, interval));
  }
}
