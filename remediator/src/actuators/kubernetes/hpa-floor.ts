import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { ApiCall } from '@homeostat/contracts';
import { RemediatorError } from '../../errors';
import {
  apiCode,
  FIELD_MANAGER,
  JSON_PATCH,
  jsonPatchOpts,
  pointer,
  type KubeApi,
  type KubeClock,
  type PatchOp,
} from './kube-api';
import type { Workload } from './workload';

/**
 * Where the HPA's own bounds are kept while the remediator holds its floor up: on the HPA itself,
 * so a restarted (or another) remediator, and a human with kubectl, can see what to give back.
 */
export const FLOOR_ANNOTATION = 'homeostat.io/hpa-floor';

/** The annotation's value. `until` (ms): when the floor is given back unless released earlier. */
export interface FloorRecord {
  originalMin: number;
  originalMax: number;
  raisedTo: number;
  incidentId: string;
  until: number;
}

export interface HpaRef {
  name: string;
  minReplicas: number;
  maxReplicas: number;
  floor: FloorRecord | null;
}

const hpaPath = (ns: string, name: string) =>
  `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${name}?fieldManager=${FIELD_MANAGER}`;

function floorOf(h: V2HorizontalPodAutoscaler): FloorRecord | null {
  const raw = h.metadata?.annotations?.[FLOOR_ANNOTATION];
  if (!raw) return null;
  try {
    return JSON.parse(raw) as FloorRecord;
  } catch {
    return null; // not ours to interpret; never given back from a value we cannot read
  }
}

function refOf(h: V2HorizontalPodAutoscaler): HpaRef {
  return {
    name: h.metadata?.name ?? '',
    minReplicas: h.spec?.minReplicas ?? 1,
    maxReplicas: h.spec?.maxReplicas ?? 1,
    floor: floorOf(h),
  };
}

/**
 * Scaling under an HPA: the HPA owns `replicas`, so scale_out raises its `minReplicas` for as long as
 * the incident needs it and always gives it back: when the hold ends (sweep), on undo, on
 * scale_in, and after a restart (reconcile = sweep). The original bounds live in FLOOR_ANNOTATION;
 * a second raise keeps the first one's originals, so every release returns the HPA to the bounds
 * it had before the remediator touched it. Every write is a JSON patch whose `test` ops make it
 * compare-and-swap on the fields it depends on.
 */
export class HpaFloor {
  constructor(
    private readonly api: KubeApi,
    private readonly clock: KubeClock,
    private readonly holdMs: number,
  ) {}

  async find(w: Workload): Promise<HpaRef | null> {
    const list = await this.api.hpas.listNamespacedHorizontalPodAutoscaler({ namespace: w.namespace });
    const h = list.items.find(
      (x) => x.spec?.scaleTargetRef.kind === w.kindName && x.spec.scaleTargetRef.name === w.name,
    );
    return h ? refOf(h) : null;
  }

  /** The call that raises the floor to `to` (clamped to the HPA's max by the caller), and runs it. */
  raise(
    ns: string,
    hpa: HpaRef,
    to: number,
    incidentId: string,
  ): { apiCall: ApiCall; record: FloorRecord; run: () => Promise<void> } {
    const record: FloorRecord = {
      originalMin: hpa.floor?.originalMin ?? hpa.minReplicas,
      originalMax: hpa.floor?.originalMax ?? hpa.maxReplicas,
      raisedTo: to,
      incidentId,
      until: this.clock.now() + this.holdMs,
    };
    const body: PatchOp[] = [
      { op: 'test', path: '/spec/minReplicas', value: hpa.minReplicas },
      { op: 'test', path: '/spec/maxReplicas', value: hpa.maxReplicas },
      {
        op: 'add',
        path: `/metadata/annotations/${pointer(FLOOR_ANNOTATION)}`,
        value: JSON.stringify(record),
      },
      { op: 'replace', path: '/spec/minReplicas', value: to },
    ];
    const apiCall = { method: 'PATCH', path: hpaPath(ns, hpa.name), contentType: JSON_PATCH, body };
    return {
      apiCall,
      record,
      run: async () => {
        const withAnnotations = await this.ensureAnnotations(ns, hpa.name);
        await this.patch(ns, hpa.name, [...withAnnotations, ...body]);
      },
    };
  }

  /**
   * Gives the floor back: minReplicas returns to the original unless someone else changed it since
   * the raise (then theirs stands and only the record goes). Null when nothing was held.
   * `onlyIncident`: release only a floor this incident raised (undo by identity).
   */
  async release(ns: string, name: string, onlyIncident?: string): Promise<ApiCall | null> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const h = (await this.api.hpas.listNamespacedHorizontalPodAutoscaler({ namespace: ns })).items.find(
        (x) => x.metadata?.name === name,
      );
      const ref = h ? refOf(h) : null;
      if (!ref?.floor || (onlyIncident && ref.floor.incidentId !== onlyIncident)) return null;
      const raw = h!.metadata!.annotations![FLOOR_ANNOTATION]!;
      const restore = ref.minReplicas === ref.floor.raisedTo;
      const body: PatchOp[] = [
        { op: 'test', path: `/metadata/annotations/${pointer(FLOOR_ANNOTATION)}`, value: raw },
        { op: 'test', path: '/spec/minReplicas', value: ref.minReplicas },
        { op: 'remove', path: `/metadata/annotations/${pointer(FLOOR_ANNOTATION)}` },
        // Never above the HPA's current max (a human may have lowered it meanwhile).
        ...(restore
          ? [
              {
                op: 'replace' as const,
                path: '/spec/minReplicas',
                value: Math.min(ref.floor.originalMin, ref.maxReplicas),
              },
            ]
          : []),
      ];
      try {
        await this.patch(ns, name, body);
        return { method: 'PATCH', path: hpaPath(ns, name), contentType: JSON_PATCH, body };
      } catch (e) {
        if (apiCode(e) !== 422 && apiCode(e) !== 409) throw e; // changed between read and write: read again
      }
    }
    throw new RemediatorError('ACTUATOR_FAILED', `HPA ${ns}/${name} kept changing; floor not given back yet`);
  }

  /** Gives back every floor in `ns` whose hold has ended (at start-up: those a restart left behind). */
  async sweep(ns: string): Promise<ApiCall[]> {
    const now = this.clock.now();
    const out: ApiCall[] = [];
    for (const h of (await this.api.hpas.listNamespacedHorizontalPodAutoscaler({ namespace: ns })).items) {
      const f = floorOf(h);
      if (f && f.until <= now) {
        const call = await this.release(ns, h.metadata?.name ?? '');
        if (call) out.push(call);
      }
    }
    return out;
  }

  /** JSON patch cannot add a key under a missing map: create `metadata.annotations` first when absent. */
  private async ensureAnnotations(ns: string, name: string): Promise<PatchOp[]> {
    const h = (await this.api.hpas.listNamespacedHorizontalPodAutoscaler({ namespace: ns })).items.find(
      (x) => x.metadata?.name === name,
    );
    return h?.metadata?.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }];
  }

  private async patch(ns: string, name: string, body: PatchOp[]): Promise<void> {
    await this.api.hpas.patchNamespacedHorizontalPodAutoscaler(
      { name, namespace: ns, body, fieldManager: FIELD_MANAGER },
      jsonPatchOpts(),
    );
  }
}
