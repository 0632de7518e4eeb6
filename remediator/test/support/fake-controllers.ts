import type { Json } from './json-patch';

/**
 * The controllers a real cluster runs, reduced to what moves the status fields the remediator
 * reads: the HPA controller (writes the target's replicas within [minReplicas, maxReplicas]) and
 * the Deployment/ReplicaSet and StatefulSet controllers (observedGeneration, updated/available
 * replicas, the Progressing condition and its ProgressDeadlineExceeded).
 */
export interface Workload extends Json {
  kind: string;
  metadata: { name: string; namespace: string; generation: number; resourceVersion: string };
  spec: {
    replicas: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
    template: Json;
    selector: Json;
  };
  status: Json;
}

interface Rollout {
  hash: string;
  updated: number;
  /** When the rollout last made progress (fake ms); the deadline counts from there. */
  progressAt: number;
  failed: boolean;
  /** A template change is being rolled out (pods of the new revision are still coming). */
  rolling: boolean;
}

export class WorkloadController {
  private readonly rollouts = new Map<string, Rollout>();
  /** Workloads whose new pods never become available (a bad image, a failing probe). */
  readonly stuck = new Set<string>();

  /** One controller sync at `now`: observes the spec and moves a rollout one pod on. */
  sync(w: Workload, now: number, step: boolean): void {
    const key = `${w.kind}/${w.metadata.name}`;
    const hash = JSON.stringify(w.spec.template);
    const want = w.spec.replicas;
    let r = this.rollouts.get(key);
    if (!r) {
      r = { hash, updated: want, progressAt: now, failed: false, rolling: false };
      this.rollouts.set(key, r);
    } else if (r.hash !== hash) {
      // A new pod template: a new ReplicaSet (revision) that starts with no pods.
      Object.assign(r, { hash, updated: 0, progressAt: now, failed: false, rolling: true });
    } else if (!r.rolling) {
      // Scaling without a template change resizes the current ReplicaSet at once.
      r.updated = want;
    } else if (step && !w.spec.paused) {
      if (!this.stuck.has(w.metadata.name)) {
        r.updated++;
        r.progressAt = now;
      } else {
        r.updated = Math.max(r.updated, Math.min(1, want));
        const deadline = (w.spec.progressDeadlineSeconds ?? 600) * 1000;
        if (w.kind === 'Deployment' && now - r.progressAt > deadline) r.failed = true;
      }
    }
    if (r.updated >= want) Object.assign(r, { updated: want, rolling: false });
    // maxSurge 1, maxUnavailable 0: the old pods serve until the new ones are available.
    const rolling = r.updated < want;
    const stuckNew = rolling && this.stuck.has(w.metadata.name) ? 1 : 0;
    const updatedAvailable = r.updated - stuckNew;
    w.status = {
      observedGeneration: w.metadata.generation,
      replicas: rolling ? want + 1 : want,
      updatedReplicas: r.updated,
      readyReplicas: want,
      availableReplicas: want,
      ...(rolling ? { unavailableReplicas: stuckNew } : {}),
      ...(w.kind === 'StatefulSet'
        ? {
            currentRevision: rolling ? 'rev-old' : 'rev-new',
            updateRevision: 'rev-new',
            currentReplicas: rolling ? want - updatedAvailable : want,
          }
        : {
            conditions: [
              { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
              r.failed
                ? { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }
                : {
                    type: 'Progressing',
                    status: 'True',
                    reason: rolling ? 'ReplicaSetUpdated' : 'NewReplicaSetAvailable',
                  },
            ],
          }),
    };
  }
}

/** HPA controller: sets the target's replicas to what the metrics want, within the HPA's bounds. */
function hpaDesired(hpa: Json, wants: number | undefined, current: number): number {
  const spec = hpa.spec as { minReplicas?: number; maxReplicas: number };
  const min = spec.minReplicas ?? 1;
  return Math.min(spec.maxReplicas, Math.max(min, wants ?? current));
}

type Stored = Json & {
  metadata: { namespace: string; generation?: number; resourceVersion?: string };
  spec?: Json;
  status?: Json;
};

/** Every controller over the fake's store, once: HPAs first, then workload status. */
export class Controllers {
  readonly workloads = new WorkloadController();

  sync(
    store: Map<string, Stored>,
    o: { now: number; step: boolean; hpaWants: number | undefined; nextRv: () => string },
  ): void {
    for (const [k, h] of store) {
      if (!k.startsWith('horizontalpodautoscalers/')) continue;
      const ref = (h.spec as Json).scaleTargetRef as { kind: string; name: string };
      const plural = ref.kind === 'StatefulSet' ? 'statefulsets' : 'deployments';
      const w = store.get(`${plural}/${h.metadata.namespace}/${ref.name}`);
      if (!w) continue;
      const want = hpaDesired(h, o.hpaWants, (w.spec as Json).replicas as number);
      if (want !== (w.spec as Json).replicas) {
        (w.spec as Json).replicas = want;
        w.metadata.generation = (w.metadata.generation ?? 1) + 1;
        w.metadata.resourceVersion = o.nextRv();
      }
      h.status = { currentReplicas: want, desiredReplicas: want };
    }
    for (const [k, w] of store) {
      // The workload controllers observe on their own schedule (a clock step), so status lags a write.
      if (!(k.startsWith('deployments/') || k.startsWith('statefulsets/')) || (!o.step && w.status)) continue;
      const before = JSON.stringify(w.status ?? {});
      this.workloads.sync(w as unknown as Workload, o.now, o.step);
      if (JSON.stringify(w.status) !== before) w.metadata.resourceVersion = o.nextRv();
    }
  }
}
