import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { ApiCall, Labels } from '@homeostat/contracts';
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

/** On an isolated pod: what to put back and when the isolation ends. */
export const ISOLATION_ANNOTATION = 'homeostat.io/isolated';

export interface IsolationRecord {
  label: string;
  value: string;
  /** The label's value before; null: it had none. */
  previous: string | null;
  incidentId: string;
  until: number;
}

export interface IsolationOptions {
  ttlMs: number;
  /** After the TTL: evict (the ReplicaSet starts a fresh pod; PodDisruptionBudgets apply) or put the label back. */
  afterTtl: 'evict' | 'restore';
  /** Share of the workload's pods that may be isolated at once, counting those already isolated. */
  maxIsolatedPercent: number;
}

const podPath = (ns: string, name: string) =>
  `/api/v1/namespaces/${ns}/pods/${name}?fieldManager=${FIELD_MANAGER}`;
const recordOf = (p: V1Pod): IsolationRecord | null => {
  const raw = p.metadata?.annotations?.[ISOLATION_ANNOTATION];
  if (!raw) return null;
  try {
    return JSON.parse(raw) as IsolationRecord;
  } catch {
    return null;
  }
};
const ready = (p: V1Pod) =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const restarts = (p: V1Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);

/** Selector keys of a LabelSelector (matchLabels and matchExpressions). */
const selectorKeys = (s: V1LabelSelector | undefined) =>
  new Set([...Object.keys(s?.matchLabels ?? {}), ...(s?.matchExpressions ?? []).map((e) => e.key)]);

/**
 * The label must be in the Service's selector (flipping it takes the pod out of the endpoints) and
 * not in the workload's (else the ReplicaSet orphans the pod, starts another, and the orphan leaks).
 */
export async function checkIsolationLabel(
  api: KubeApi,
  w: Workload,
  service: string,
  label: string,
): Promise<void> {
  const svc = await api.core.readNamespacedService({ name: service, namespace: w.namespace });
  if (!(label in (svc.spec?.selector ?? {})))
    throw new RemediatorError(
      'ACTION_UNSUPPORTED',
      `isolate: label ${label} is not in Service ${w.namespace}/${service}'s selector; flipping it would not take the pod out of traffic`,
      { field: 'params.label' },
    );
  const obj = await w.read();
  if (selectorKeys(obj.spec?.selector).has(label))
    throw new RemediatorError(
      'ACTION_UNSUPPORTED',
      `isolate: label ${label} is in ${w.kindName} ${w.namespace}/${w.name}'s selector; flipping it would orphan the pod`,
      { field: 'params.label' },
    );
}

/**
 * Isolation of one pod, aimed and bounded: the pod the evidence names (the alert's `pod` label), else
 * the one Kubernetes itself sees as worst (not Ready, then most container restarts); never a pod
 * chosen at random. Counted against the share already isolated; ended by the sweep after the TTL.
 */
export class Isolation {
  constructor(
    private readonly api: KubeApi,
    private readonly clock: KubeClock,
    private readonly o: IsolationOptions,
  ) {}

  async pick(
    w: Workload,
    selector: string,
    labels: Labels,
  ): Promise<{ pod: V1Pod; isolated: number; total: number }> {
    if (!selector)
      throw new RemediatorError('TARGET_UNRESOLVED', `${w.kindName} ${w.name} has no selector`, {
        field: 'target.name',
      });
    const pods = (await this.api.core.listNamespacedPod({ namespace: w.namespace, labelSelector: selector }))
      .items;
    const isolated = pods.filter((p) => recordOf(p) !== null).length;
    const serving = pods.filter((p) => recordOf(p) === null && p.status?.phase === 'Running');
    if (serving.length <= 1)
      throw new RemediatorError(
        'ACTION_UNSUPPORTED',
        `isolate: ${serving.length} serving pod(s) left; never the last one`,
      );
    if (((isolated + 1) * 100) / pods.length > this.o.maxIsolatedPercent)
      throw new RemediatorError(
        'ACTION_UNSUPPORTED',
        `isolate: ${isolated} of ${pods.length} pods already isolated; one more exceeds ${this.o.maxIsolatedPercent}%`,
      );
    const named = labels.pod;
    if (named) {
      const pod = serving.find((p) => p.metadata?.name === named);
      if (!pod)
        throw new RemediatorError(
          'TARGET_UNRESOLVED',
          `isolate: pod ${named} is not a serving pod of ${w.name}`,
          {
            field: 'labels.pod',
          },
        );
      return { pod, isolated, total: pods.length };
    }
    const worst = [...serving].sort(
      (a, b) => Number(ready(a)) - Number(ready(b)) || restarts(b) - restarts(a),
    );
    const [first, second] = worst;
    if (!first || (second && ready(first) === ready(second) && restarts(first) === restarts(second)))
      throw new RemediatorError(
        'TARGET_UNRESOLVED',
        `isolate: the alert names no pod and no pod of ${w.name} stands out (all equally ready and restarted)`,
        { field: 'labels.pod' },
      );
    return { pod: first, isolated, total: pods.length };
  }

  /** The relabel patch: compare-and-swap on the label's current value. */
  isolate(ns: string, pod: V1Pod, label: string, value: string, incidentId: string) {
    const name = pod.metadata?.name ?? '';
    const previous = pod.metadata?.labels?.[label] ?? null;
    const record: IsolationRecord = {
      label,
      value,
      previous,
      incidentId,
      until: this.clock.now() + this.o.ttlMs,
    };
    const body: PatchOp[] = [
      ...(pod.metadata?.annotations
        ? []
        : [{ op: 'add' as const, path: '/metadata/annotations', value: {} }]),
      previous === null
        ? { op: 'add', path: `/metadata/labels/${pointer(label)}`, value }
        : { op: 'test', path: `/metadata/labels/${pointer(label)}`, value: previous },
      { op: 'replace', path: `/metadata/labels/${pointer(label)}`, value },
      {
        op: 'add',
        path: `/metadata/annotations/${pointer(ISOLATION_ANNOTATION)}`,
        value: JSON.stringify(record),
      },
    ];
    return {
      apiCall: { method: 'PATCH', path: podPath(ns, name), contentType: JSON_PATCH, body } satisfies ApiCall,
      record,
      run: () => this.patch(ns, name, body),
    };
  }

  /** Puts the label back; a pod relabelled by someone else since is left as it is (their change stands). */
  async restore(ns: string, name: string, onlyIncident?: string): Promise<ApiCall | null> {
    let pod: V1Pod;
    try {
      pod = await this.api.core.readNamespacedPod({ name, namespace: ns });
    } catch (e) {
      if (apiCode(e) === 404) return null; // gone: nothing to put back
      throw e;
    }
    const r = recordOf(pod);
    if (!r || (onlyIncident && r.incidentId !== onlyIncident)) return null;
    const at = `/metadata/labels/${pointer(r.label)}`;
    const body: PatchOp[] = [
      {
        op: 'test',
        path: `/metadata/annotations/${pointer(ISOLATION_ANNOTATION)}`,
        value: pod.metadata!.annotations![ISOLATION_ANNOTATION],
      },
      { op: 'remove', path: `/metadata/annotations/${pointer(ISOLATION_ANNOTATION)}` },
      ...(pod.metadata?.labels?.[r.label] === r.value
        ? [
            { op: 'test' as const, path: at, value: r.value },
            r.previous === null
              ? { op: 'remove' as const, path: at }
              : { op: 'replace' as const, path: at, value: r.previous },
          ]
        : []),
    ];
    await this.patch(ns, name, body);
    return { method: 'PATCH', path: podPath(ns, name), contentType: JSON_PATCH, body };
  }

  /** Ends the isolations in `ns` whose TTL passed: evicts the pod (PDB-aware; a 429 is retried next sweep) or restores it. */
  async sweep(ns: string): Promise<string[]> {
    const now = this.clock.now();
    const done: string[] = [];
    const pods = (await this.api.core.listNamespacedPod({ namespace: ns })).items;
    for (const p of pods) {
      const r = recordOf(p);
      const name = p.metadata?.name ?? '';
      if (!r || r.until > now) continue;
      if (this.o.afterTtl === 'restore') {
        await this.restore(ns, name);
        done.push(name);
        continue;
      }
      try {
        await this.api.core.createNamespacedPodEviction({
          name,
          namespace: ns,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } },
        });
        done.push(name);
      } catch (e) {
        if (apiCode(e) !== 429 && apiCode(e) !== 404) throw e; // 429: a PodDisruptionBudget blocks; next sweep
      }
    }
    return done;
  }

  private async patch(ns: string, name: string, body: PatchOp[]): Promise<void> {
    await this.api.core.patchNamespacedPod(
      { name, namespace: ns, body, fieldManager: FIELD_MANAGER },
      jsonPatchOpts(),
    );
  }
}
