import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';

export type RolloutState =
  | { state: 'complete'; detail: string }
  | { state: 'progressing'; detail: string }
  | { state: 'failed'; detail: string };

/**
 * A rollout judged as `kubectl rollout status` does, from the workload's own status: the controller
 * has observed the latest generation, every replica runs the new template and is available. A
 * Deployment whose Progressing condition says ProgressDeadlineExceeded has failed. (StatefulSets
 * have no deadline: the caller's timeout bounds them.)
 */
export function rolloutState(
  kind: 'Deployment' | 'StatefulSet',
  w: V1Deployment | V1StatefulSet,
): RolloutState {
  const gen = w.metadata?.generation ?? 0;
  const s = w.status ?? {};
  const want = w.spec?.replicas ?? 1;
  const observed = s.observedGeneration ?? 0;
  if (observed < gen)
    return { state: 'progressing', detail: `observedGeneration ${observed} < generation ${gen}` };
  if (kind === 'Deployment') {
    const stuck = (w as V1Deployment).status?.conditions?.find(
      (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (stuck)
      return { state: 'failed', detail: `ProgressDeadlineExceeded: ${stuck.message ?? 'no progress'}` };
  }
  const updated = s.updatedReplicas ?? 0;
  const total = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < want) return { state: 'progressing', detail: `${updated} of ${want} replicas updated` };
  if (total > updated)
    return { state: 'progressing', detail: `${total - updated} old replicas pending termination` };
  if (available < updated)
    return { state: 'progressing', detail: `${available} of ${updated} updated replicas available` };
  if (kind === 'StatefulSet') {
    const st = (w as V1StatefulSet).status;
    if (st?.updateRevision && st.currentRevision !== st.updateRevision)
      return {
        state: 'progressing',
        detail: `revision ${st.currentRevision ?? '?'} -> ${st.updateRevision}`,
      };
  }
  return {
    state: 'complete',
    detail: `generation ${gen} observed; ${updated}/${want} updated and available`,
  };
}
