import type { ApiCall } from '@homeostat/contracts';
import { RemediatorError } from '../../errors';
import type { TargetSnapshot } from '../../policy/decide';
import type { ActRequest, Plan } from '../actuator';
import type { HpaFloor, HpaRef } from './hpa-floor';
import { apiCode, JSON_PATCH, type PatchOp } from './kube-api';
import type { Workload } from './workload';

/**
 * Scale out/in. Without an HPA: the scale subresource, compare-and-swap on the replica count read
 * before (and undo swaps back only from the count this action set: a human's scale stands). Under
 * an HPA: scale_out raises its floor (HpaFloor), scale_in only gives back a floor we hold.
 */
export function planScale(w: Workload, floor: HpaFloor, req: ActRequest, before: TargetSnapshot): Plan {
  const hpa = before.hpa as HpaRef | undefined;
  const current = Number(before.replicas);
  const desired = req.desiredReplicas ?? current;
  if (hpa && req.action === 'scale_in') {
    if (!hpa.floor)
      throw new RemediatorError(
        'ACTION_UNSUPPORTED',
        `scale_in under HPA ${hpa.name}: the HPA scales in by itself and its floor (${hpa.minReplicas}) is its own; nothing of ours to give back`,
      );
    const f = hpa.floor;
    return {
      apiCall: {
        method: 'PATCH',
        path: `/apis/autoscaling/v2/namespaces/${w.namespace}/horizontalpodautoscalers/${hpa.name}`,
        contentType: JSON_PATCH,
        body: [{ op: 'replace', path: '/spec/minReplicas', value: f.originalMin }],
      },
      run: async () => {
        await floor.release(w.namespace, hpa.name);
        return { ...before, hpa: { ...hpa, minReplicas: f.originalMin, floor: null }, floorReleased: true };
      },
    };
  }
  if (hpa) {
    // Never above the policy's max (desired is clamped by decide()) nor the HPA's own max.
    const to = Math.min(desired, hpa.maxReplicas);
    if (to <= hpa.minReplicas)
      throw new RemediatorError(
        'ACTION_UNSUPPORTED',
        `HPA ${hpa.name}: floor ${hpa.minReplicas}, max ${hpa.maxReplicas}; ${desired} replicas is not above the floor (raising maxReplicas is for humans)`,
      );
    const r = floor.raise(w.namespace, hpa, to, req.incidentId);
    return {
      apiCall: r.apiCall,
      run: async () => {
        await r.run();
        return {
          replicas: Math.max(current, to),
          selector: before.selector ?? null,
          hpa: { ...hpa, minReplicas: to, floor: r.record },
          floorRaised: true,
        };
      },
    };
  }
  const body = swap(current, desired);
  return {
    apiCall: { method: 'PATCH', path: w.withManager(`${w.path}/scale`), contentType: JSON_PATCH, body },
    run: async () => {
      try {
        const s = await w.patchScale(body);
        return { replicas: s.spec?.replicas ?? desired, selector: before.selector ?? null };
      } catch (e) {
        if (apiCode(e) === 422)
          throw new RemediatorError(
            'ACTUATOR_FAILED',
            `${w.kindName} ${w.namespace}/${w.name} no longer has ${current} replicas; not scaling over someone else's change`,
            { cause: e },
          );
        throw e;
      }
    },
  };
}

/** Undo by identity: only what this action (this incident) changed, and only if it is still as we left it. */
export async function undoScale(
  w: Workload,
  floor: HpaFloor,
  req: ActRequest,
  before: TargetSnapshot,
  after: TargetSnapshot,
): Promise<ApiCall | null> {
  const hpa = after.hpa as HpaRef | undefined;
  if (after.floorRaised && hpa) return floor.release(w.namespace, hpa.name, req.incidentId);
  // A floor given back stays given back (raising it again would fight the HPA); an HPA we did not touch: nothing.
  if (hpa || before.hpa) return null;
  const body = swap(Number(after.replicas), Number(before.replicas));
  try {
    await w.patchScale(body);
  } catch (e) {
    if (apiCode(e) === 422)
      throw new RemediatorError(
        'ACTUATOR_FAILED',
        `undo: ${w.kindName} ${w.namespace}/${w.name} no longer has the ${String(after.replicas)} replicas this action set; someone else scaled it, left as is`,
        { cause: e },
      );
    throw e;
  }
  return { method: 'PATCH', path: w.withManager(`${w.path}/scale`), contentType: JSON_PATCH, body };
}

const swap = (from: number, to: number): PatchOp[] => [
  { op: 'test', path: '/spec/replicas', value: from },
  { op: 'replace', path: '/spec/replicas', value: to },
];
