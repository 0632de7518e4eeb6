import {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  ServerConfiguration,
  setHeaderOptions,
  type Configuration,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { Target } from '@homeostat/contracts';
import { RemediatorError } from '../../errors';

export const FIELD_MANAGER = 'homeostat-remediator';
export const MERGE = PatchStrategy.MergePatch;
export const JSON_PATCH = PatchStrategy.JsonPatch;
export const mergeOpts = () => setHeaderOptions('Content-Type', MERGE);
export const jsonPatchOpts = () => setHeaderOptions('Content-Type', JSON_PATCH);

/** One RFC 6902 operation; `test` ops make a write compare-and-swap on the fields it depends on. */
export interface PatchOp {
  op: 'add' | 'replace' | 'remove' | 'test';
  path: string;
  value?: unknown;
}

/** `~` and `/` escaped for a JSON pointer segment (annotation and label keys contain `/`). */
export const pointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Time as the actuator sees it: tests pass one that moves the fake cluster's clock instead of sleeping. */
export interface KubeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}
export const wallClock: KubeClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms).unref?.()),
};

export function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/**
 * A client configuration for the kubeconfig's current cluster whose every request is aborted after
 * `timeoutMs` (an AbortSignal set by a middleware): a hung API server must not hold an incident's
 * claim, or a leader's renewal, forever.
 */
export function timedConfiguration(kc: KubeConfig, timeoutMs: number): Configuration {
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    throw new RemediatorError('CONFIG_INVALID', 'kubeconfig has no current cluster', {
      field: 'kubernetes.kubeconfig',
    });
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          return Promise.resolve(ctx);
        },
        post: (r: ResponseContext) => Promise.resolve(r),
      },
    ],
  });
}

/** The API clients the actuator uses, every request bounded (timedConfiguration). */
export class KubeApi {
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  readonly hpas: AutoscalingV2Api;
  readonly custom: CustomObjectsApi;
  readonly authz: AuthorizationV1Api;

  constructor(kc: KubeConfig, timeoutMs: number) {
    const config = timedConfiguration(kc, timeoutMs);
    this.apps = new AppsV1Api(config);
    this.core = new CoreV1Api(config);
    this.hpas = new AutoscalingV2Api(config);
    this.custom = new CustomObjectsApi(config);
    this.authz = new AuthorizationV1Api(config);
  }
}

/** The HTTP status of a failed call (undefined for a network error or a timeout). */
export function apiCode(e: unknown): number | undefined {
  return e instanceof ApiException ? e.code : undefined;
}

/** A namespace is required: a namespaced Role grants nothing in `default`. */
export function namespaceOf(t: Target): string {
  if (!t.namespace)
    throw new RemediatorError('TARGET_UNRESOLVED', `kubernetes target ${t.name} has no namespace`, {
      field: 'target.namespace',
    });
  return t.namespace;
}
