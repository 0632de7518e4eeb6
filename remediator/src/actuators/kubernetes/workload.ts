import type { V1Deployment, V1Scale, V1StatefulSet } from '@kubernetes/client-node';
import type { Target } from '@homeostat/contracts';
import { RemediatorError } from '../../errors';
import { FIELD_MANAGER, jsonPatchOpts, mergeOpts, namespaceOf, type KubeApi, type PatchOp } from './kube-api';

/** The workload kinds the actuator acts on; anything else is refused when the policy loads. */
export const WORKLOAD_KINDS = { deployment: 'Deployment', statefulset: 'StatefulSet' } as const;
export type WorkloadKind = keyof typeof WORKLOAD_KINDS;
export const PLURAL: Record<WorkloadKind, string> = {
  deployment: 'deployments',
  statefulset: 'statefulsets',
};

export function workloadKind(t: Target): WorkloadKind {
  if (t.kind in WORKLOAD_KINDS) return t.kind as WorkloadKind;
  throw new RemediatorError(
    'ACTION_UNSUPPORTED',
    `kubernetes target kind ${t.kind} is not supported (${Object.keys(WORKLOAD_KINDS).join(', ')})`,
    { field: 'target.kind' },
  );
}

export type WorkloadObject = V1Deployment | V1StatefulSet;

/** A Deployment or StatefulSet by its own API paths (apps/v1 `deployments` or `statefulsets`). */
export class Workload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly namespace: string;

  constructor(
    private readonly api: KubeApi,
    readonly target: Target,
  ) {
    this.kind = workloadKind(target);
    this.name = target.name;
    this.namespace = namespaceOf(target);
  }

  get path(): string {
    return `/apis/apps/v1/namespaces/${this.namespace}/${PLURAL[this.kind]}/${this.name}`;
  }
  get kindName(): (typeof WORKLOAD_KINDS)[WorkloadKind] {
    return WORKLOAD_KINDS[this.kind];
  }
  withManager(path: string): string {
    return `${path}?fieldManager=${FIELD_MANAGER}`;
  }

  read(): Promise<WorkloadObject> {
    const p = { name: this.name, namespace: this.namespace };
    return this.kind === 'deployment'
      ? this.api.apps.readNamespacedDeployment(p)
      : this.api.apps.readNamespacedStatefulSet(p);
  }
  readScale(): Promise<V1Scale> {
    const p = { name: this.name, namespace: this.namespace };
    return this.kind === 'deployment'
      ? this.api.apps.readNamespacedDeploymentScale(p)
      : this.api.apps.readNamespacedStatefulSetScale(p);
  }
  /** JSON patch of the scale subresource; its `test` ops make it compare-and-swap. */
  patchScale(body: PatchOp[]): Promise<V1Scale> {
    const p = { name: this.name, namespace: this.namespace, body, fieldManager: FIELD_MANAGER };
    return this.kind === 'deployment'
      ? this.api.apps.patchNamespacedDeploymentScale(p, jsonPatchOpts())
      : this.api.apps.patchNamespacedStatefulSetScale(p, jsonPatchOpts());
  }
  patch(body: object): Promise<WorkloadObject> {
    const p = { name: this.name, namespace: this.namespace, body, fieldManager: FIELD_MANAGER };
    return this.kind === 'deployment'
      ? this.api.apps.patchNamespacedDeployment(p, mergeOpts())
      : this.api.apps.patchNamespacedStatefulSet(p, mergeOpts());
  }
}
