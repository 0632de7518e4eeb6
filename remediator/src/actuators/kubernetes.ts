import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import type { ApiCall, Target } from '@homeostat/contracts';
import { RemediatorError } from '../errors';
import type { TargetSnapshot } from '../policy/decide';
import type { ActRequest, Actuator, Plan } from './actuator';

export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

const FIELD_MANAGER = 'homeostat-remediator';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const MERGE = PatchStrategy.MergePatch;
const JSON_PATCH = PatchStrategy.JsonPatch;
const merge = () => setHeaderOptions('Content-Type', MERGE);

interface HpaRef {
  name: string;
  minReplicas: number;
  maxReplicas: number;
}

/**
 * Kubernetes via @kubernetes/client-node 1.4. Target: a Deployment (name + namespace). Scale goes
 * through the scale subresource, or through the owning HPA's minReplicas (the HPA would undo a
 * direct scale on its next sync); restart is kubectl's restartedAt annotation; isolation relabels
 * one pod out of its Service; traffic shift patches a Service selector; cache toggles a ConfigMap.
 */
export class KubernetesActuator implements Actuator {
  readonly kind = 'kubernetes' as const;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly hpas: AutoscalingV2Api;

  constructor(kc: KubeConfig) {
    this.apps = kc.makeApiClient(AppsV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.hpas = kc.makeApiClient(AutoscalingV2Api);
  }

  private ns(t: Target): string {
    return t.namespace ?? 'default';
  }

  async snapshot(target: Target): Promise<TargetSnapshot> {
    const namespace = this.ns(target);
    const scale = await this.apps.readNamespacedDeploymentScale({ name: target.name, namespace });
    const hpa = await this.findHpa(target);
    return {
      replicas: scale.spec?.replicas ?? 0,
      selector: scale.status?.selector ?? null,
      ...(hpa ? { hpa } : {}),
    };
  }

  async plan(req: ActRequest, before: TargetSnapshot): Promise<Plan> {
    const { target } = req;
    const name = target.name;
    const namespace = this.ns(target);
    const base = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
    switch (req.action) {
      case 'scale_out':
      case 'scale_in':
        return this.planScale(req, before, req.desiredReplicas ?? Number(before.replicas));
      case 'restart': {
        const body = {
          spec: { template: { metadata: { annotations: { [RESTARTED_AT]: new Date().toISOString() } } } },
        };
        return {
          apiCall: {
            method: 'PATCH',
            path: `${base}?fieldManager=${FIELD_MANAGER}`,
            contentType: MERGE,
            body,
          },
          run: async () => {
            const d = await this.apps.readNamespacedDeployment({ name, namespace });
            if (d.spec?.paused)
              throw new RemediatorError(
                'ACTUATOR_FAILED',
                `deployment ${namespace}/${name} is paused; not restarting`,
              );
            const out = await this.apps.patchNamespacedDeployment(
              { name, namespace, body, fieldManager: FIELD_MANAGER },
              merge(),
            );
            return {
              ...before,
              generation: out.metadata?.generation ?? null,
              restartedAt: body.spec.template.metadata.annotations[RESTARTED_AT],
            };
          },
        };
      }
      case 'isolate': {
        const pod = await this.pickPod(target, String(before.selector ?? ''), req.labels.pod);
        const label = String(req.params.label ?? 'homeostat.io/traffic');
        const value = String(req.params.value ?? 'isolated');
        const podName = pod.metadata?.name ?? '';
        const body = { metadata: { labels: { [label]: value } } };
        return {
          apiCall: {
            method: 'PATCH',
            path: `/api/v1/namespaces/${namespace}/pods/${podName}?fieldManager=${FIELD_MANAGER}`,
            contentType: MERGE,
            body,
          },
          run: async () => {
            await this.core.patchNamespacedPod(
              { name: podName, namespace, body, fieldManager: FIELD_MANAGER },
              merge(),
            );
            return {
              ...before,
              isolatedPod: podName,
              label,
              previous: pod.metadata?.labels?.[label] ?? null,
            };
          },
        };
      }
      case 'shift_traffic': {
        const svc = String(req.params.service ?? name);
        const selector = (req.params.selector as Record<string, string> | undefined) ?? {
          'homeostat.io/traffic': 'serving',
        };
        const body = { spec: { selector } };
        return {
          apiCall: {
            method: 'PATCH',
            path: `/api/v1/namespaces/${namespace}/services/${svc}?fieldManager=${FIELD_MANAGER}`,
            contentType: MERGE,
            body,
          },
          run: async () => {
            const cur = await this.core.readNamespacedService({ name: svc, namespace });
            await this.core.patchNamespacedService(
              { name: svc, namespace, body, fieldManager: FIELD_MANAGER },
              merge(),
            );
            return { ...before, service: svc, previousSelector: cur.spec?.selector ?? {}, selector };
          },
        };
      }
      case 'cache_enable': {
        const cm = String(req.params.configMap ?? `${name}-homeostat`);
        const key = String(req.params.key ?? 'CACHE_ENABLED');
        const body = { data: { [key]: String(req.params.enabled !== false) } };
        return {
          apiCall: {
            method: 'PATCH',
            path: `/api/v1/namespaces/${namespace}/configmaps/${cm}?fieldManager=${FIELD_MANAGER}`,
            contentType: MERGE,
            body,
          },
          run: async () => {
            const prev = await this.core.readNamespacedConfigMap({ name: cm, namespace });
            await this.core.patchNamespacedConfigMap(
              { name: cm, namespace, body, fieldManager: FIELD_MANAGER },
              merge(),
            );
            return { ...before, configMap: cm, key, previous: prev.data?.[key] ?? null };
          },
        };
      }
      default:
        throw new RemediatorError('ACTION_UNSUPPORTED', `kubernetes actuator cannot ${req.action}`, {
          field: 'action',
        });
    }
  }

  async undo(req: ActRequest, before: TargetSnapshot, after: TargetSnapshot): Promise<ApiCall | null> {
    const namespace = this.ns(req.target);
    switch (req.action) {
      case 'scale_out':
      case 'scale_in': {
        // Compare-and-swap from `after` back to `before`: if someone moved it meanwhile, the test op fails.
        const plan = await this.planScale(
          req,
          after,
          Number(before.replicas),
          before.hpa as HpaRef | undefined,
        );
        await plan.run();
        return plan.apiCall;
      }
      case 'isolate': {
        const label = String(after.label);
        const body = { metadata: { labels: { [label]: (after.previous as string | null) ?? null } } };
        await this.core.patchNamespacedPod(
          { name: String(after.isolatedPod), namespace, body, fieldManager: FIELD_MANAGER },
          merge(),
        );
        return {
          method: 'PATCH',
          path: `/api/v1/namespaces/${namespace}/pods/${String(after.isolatedPod)}?fieldManager=${FIELD_MANAGER}`,
          contentType: MERGE,
          body,
        };
      }
      case 'shift_traffic': {
        const prev = after.previousSelector as Record<string, string>;
        const added = after.selector as Record<string, string>;
        // Merge-patch: keys we added but which were absent before must be deleted with null.
        const selector: Record<string, string | null> = { ...prev };
        for (const k of Object.keys(added)) if (!(k in prev)) selector[k] = null;
        const body = { spec: { selector } };
        await this.core.patchNamespacedService(
          { name: String(after.service), namespace, body, fieldManager: FIELD_MANAGER },
          merge(),
        );
        return {
          method: 'PATCH',
          path: `/api/v1/namespaces/${namespace}/services/${String(after.service)}?fieldManager=${FIELD_MANAGER}`,
          contentType: MERGE,
          body,
        };
      }
      case 'cache_enable': {
        const body = { data: { [String(after.key)]: (after.previous as string | null) ?? null } };
        await this.core.patchNamespacedConfigMap(
          { name: String(after.configMap), namespace, body, fieldManager: FIELD_MANAGER },
          merge(),
        );
        return {
          method: 'PATCH',
          path: `/api/v1/namespaces/${namespace}/configmaps/${String(after.configMap)}?fieldManager=${FIELD_MANAGER}`,
          contentType: MERGE,
          body,
        };
      }
      default:
        return null;
    }
  }

  private async planScale(
    req: ActRequest,
    before: TargetSnapshot,
    replicas: number,
    restoreHpa?: HpaRef,
  ): Promise<Plan> {
    const name = req.target.name;
    const namespace = this.ns(req.target);
    const hpa = before.hpa as HpaRef | undefined;
    if (hpa) {
      // The HPA owns replicas: raise (or restore) its floor instead; `test` makes it compare-and-swap.
      const min = restoreHpa ? restoreHpa.minReplicas : Math.min(replicas, hpa.maxReplicas);
      const body = [
        { op: 'test', path: '/spec/minReplicas', value: hpa.minReplicas },
        { op: 'replace', path: '/spec/minReplicas', value: min },
      ];
      return {
        apiCall: {
          method: 'PATCH',
          path: `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers/${hpa.name}?fieldManager=${FIELD_MANAGER}`,
          contentType: JSON_PATCH,
          body,
        },
        run: async () => {
          await this.hpas.patchNamespacedHorizontalPodAutoscaler(
            { name: hpa.name, namespace, body, fieldManager: FIELD_MANAGER },
            setHeaderOptions('Content-Type', JSON_PATCH),
          );
          return {
            replicas: Math.max(Number(before.replicas), min),
            selector: before.selector ?? null,
            hpa: { ...hpa, minReplicas: min },
          };
        },
      };
    }
    const body = { spec: { replicas } };
    return {
      apiCall: {
        method: 'PATCH',
        path: `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/scale?fieldManager=${FIELD_MANAGER}`,
        contentType: MERGE,
        body,
      },
      run: async () => {
        const s = await this.apps.patchNamespacedDeploymentScale(
          { name, namespace, body, fieldManager: FIELD_MANAGER },
          merge(),
        );
        return { replicas: s.spec?.replicas ?? replicas, selector: before.selector ?? null };
      },
    };
  }

  private async findHpa(target: Target): Promise<HpaRef | null> {
    const list = await this.hpas.listNamespacedHorizontalPodAutoscaler({ namespace: this.ns(target) });
    const h = list.items.find(
      (x) => x.spec?.scaleTargetRef.kind === 'Deployment' && x.spec.scaleTargetRef.name === target.name,
    );
    if (!h?.spec || !h.metadata?.name) return null;
    return { name: h.metadata.name, minReplicas: h.spec.minReplicas ?? 1, maxReplicas: h.spec.maxReplicas };
  }

  private async pickPod(target: Target, selector: string, podLabel: string | undefined): Promise<V1Pod> {
    if (!selector)
      throw new RemediatorError('TARGET_UNRESOLVED', `deployment ${target.name} has no selector`, {
        field: 'target.name',
      });
    const pods = (await this.core.listNamespacedPod({ namespace: this.ns(target), labelSelector: selector }))
      .items;
    const pod =
      pods.find((p) => p.metadata?.name === podLabel) ??
      pods.find((p) => p.status?.phase === 'Running') ??
      pods[0];
    if (!pod)
      throw new RemediatorError('TARGET_UNRESOLVED', `no pod matches ${selector}`, { field: 'target.name' });
    return pod;
  }
}
