import type { ApiCall } from '@homeostat/contracts';
import { RemediatorError } from '../../errors';
import { apiCode, FIELD_MANAGER, JSON_PATCH, jsonPatchOpts, type KubeApi, type PatchOp } from './kube-api';

export const GATEWAY = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' } as const;

interface BackendRef {
  name: string;
  weight?: number;
}
interface HttpRoute {
  metadata: { name: string };
  spec?: { rules?: { backendRefs?: BackendRef[] }[] };
}

/** What a shift changed: enough to put the weight back, compare-and-swap. */
export interface ShiftRecord {
  route: string;
  path: string;
  /** The weight before; null: it was unset (Gateway API default 1). */
  previous: number | null;
  weight: number;
}

const routePath = (ns: string, name: string) =>
  `/apis/${GATEWAY.group}/${GATEWAY.version}/namespaces/${ns}/${GATEWAY.plural}/${name}?fieldManager=${FIELD_MANAGER}`;

/** Is the Gateway API served (and may we list routes)? Answers why not, for the policy loader. */
export async function gatewayApiProblem(api: KubeApi, namespace: string): Promise<string | null> {
  try {
    await api.custom.listNamespacedCustomObject({ ...GATEWAY, namespace });
    return null;
  } catch (e) {
    if (apiCode(e) === 404)
      return `the cluster does not serve the Gateway API (${GATEWAY.group}/${GATEWAY.version} HTTPRoute)`;
    if (apiCode(e) === 403) return `the Role does not allow listing HTTPRoutes in ${namespace}`;
    throw e;
  }
}

/**
 * Traffic shift by the Gateway API: the backendRef of `service` in the HTTPRoute rule that also has
 * sibling backends gets a weight that leaves it `share` of that rule's traffic; the siblings keep
 * theirs. (A Service selector cannot split traffic: rewriting it is all or nothing.)
 */
export class TrafficShift {
  constructor(private readonly api: KubeApi) {}

  async plan(
    ns: string,
    service: string,
    share: number,
  ): Promise<{ apiCall: ApiCall; record: ShiftRecord; run: () => Promise<void> }> {
    const list = (await this.api.custom.listNamespacedCustomObject({ ...GATEWAY, namespace: ns })) as {
      items: HttpRoute[];
    };
    for (const route of list.items) {
      const rules = route.spec?.rules ?? [];
      for (let i = 0; i < rules.length; i++) {
        const refs = rules[i]!.backendRefs ?? [];
        const j = refs.findIndex((b) => b.name === service);
        const others = refs.filter((_, k) => k !== j).reduce((n, b) => n + (b.weight ?? 1), 0);
        if (j < 0 || others === 0) continue;
        // share = w / (w + others)  =>  w = share * others / (1 - share)
        const weight = share >= 1 ? (refs[j]!.weight ?? 1) : Math.round((share * others) / (1 - share));
        const path = `/spec/rules/${i}/backendRefs/${j}/weight`;
        const previous = refs[j]!.weight ?? null;
        const body: PatchOp[] = [
          { op: 'test', path: `/spec/rules/${i}/backendRefs/${j}/name`, value: service },
          ...(previous === null ? [] : [{ op: 'test' as const, path, value: previous }]),
          { op: 'add', path, value: weight },
        ];
        const record = { route: route.metadata.name, path, previous, weight };
        return {
          apiCall: { method: 'PATCH', path: routePath(ns, record.route), contentType: JSON_PATCH, body },
          record,
          run: () => this.patch(ns, record.route, body),
        };
      }
    }
    throw new RemediatorError(
      'ACTION_UNSUPPORTED',
      `shift_traffic: no HTTPRoute in ${ns} sends traffic to ${service} and to another backend`,
      { field: 'params.service' },
    );
  }

  /** Puts the weight back if it is still ours (compare-and-swap). */
  async undo(ns: string, r: ShiftRecord): Promise<ApiCall> {
    const body: PatchOp[] = [
      { op: 'test', path: r.path, value: r.weight },
      r.previous === null
        ? { op: 'remove', path: r.path }
        : { op: 'replace', path: r.path, value: r.previous },
    ];
    await this.patch(ns, r.route, body);
    return { method: 'PATCH', path: routePath(ns, r.route), contentType: JSON_PATCH, body };
  }

  private async patch(ns: string, name: string, body: PatchOp[]): Promise<void> {
    await this.api.custom.patchNamespacedCustomObject(
      { ...GATEWAY, namespace: ns, name, body, fieldManager: FIELD_MANAGER },
      jsonPatchOpts(),
    );
  }
}
