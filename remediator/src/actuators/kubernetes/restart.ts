import { RemediatorError } from '../../errors';
import type { TargetSnapshot } from '../../policy/decide';
import type { Plan } from '../actuator';
import { MERGE, type KubeClock } from './kube-api';
import { rolloutState } from './rollout-status';
import type { Workload } from './workload';

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export interface RestartOptions {
  pollMs: number;
  /** Bound on waiting for the rollout; default the Deployment's progressDeadlineSeconds + 60 s. */
  timeoutMs?: number;
}

/**
 * `kubectl rollout restart`, finished on Kubernetes' own terms: refused on a paused workload or on
 * top of a rollout that has not completed (or has failed); then done only once the controller has
 * observed the new generation and every replica is updated and available, failed on
 * ProgressDeadlineExceeded or when the wait runs out. A failed rollout fails the action, so the
 * engine records it failed and moves up the ladder instead of calling it healed.
 */
export function planRestart(
  w: Workload,
  before: TargetSnapshot,
  clock: KubeClock,
  o: RestartOptions,
  signal?: AbortSignal,
): Plan {
  const restartedAt = new Date(clock.now()).toISOString();
  const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: restartedAt } } } } };
  const where = `${w.kindName} ${w.namespace}/${w.name}`;
  return {
    apiCall: { method: 'PATCH', path: w.withManager(w.path), contentType: MERGE, body },
    run: async () => {
      const cur = await w.read();
      if ((cur.spec as { paused?: boolean } | undefined)?.paused)
        throw new RemediatorError('ACTUATOR_FAILED', `${where} is paused; not restarting`);
      const pre = rolloutState(w.kindName, cur);
      if (pre.state !== 'complete')
        throw new RemediatorError(
          'ACTUATOR_FAILED',
          `${where}: a rollout is ${pre.state} (${pre.detail}); not restarting on top of it`,
        );
      const out = await w.patch(body);
      const generation = out.metadata?.generation ?? 0;
      const deadlineS =
        (cur.spec as { progressDeadlineSeconds?: number } | undefined)?.progressDeadlineSeconds ?? 600;
      const end = clock.now() + (o.timeoutMs ?? (deadlineS + 60) * 1000);
      for (;;) {
        await clock.sleep(o.pollMs);
        if (signal?.aborted)
          throw new RemediatorError('ACTUATOR_FAILED', `shutting down: rollout of ${where} not verified`);
        const st = rolloutState(w.kindName, await w.read());
        if (st.state === 'complete') return { ...before, generation, restartedAt, rollout: st.detail };
        if (st.state === 'failed')
          throw new RemediatorError('ACTUATOR_FAILED', `rollout of ${where} failed: ${st.detail}`);
        if (clock.now() >= end)
          throw new RemediatorError(
            'ACTUATOR_FAILED',
            `rollout of ${where} not finished in time: ${st.detail}`,
          );
      }
    },
  };
}
