import type { ActionKind } from '@homeostat/contracts';
import { GATEWAY } from './traffic-shift';
import { PLURAL, type WorkloadKind } from './workload';

/** One RBAC permission, as a SelfSubjectAccessReview asks it. */
export interface Permission {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
}

/**
 * What each action calls, so the policy loader can ask the API server (SelfSubjectAccessReview)
 * whether the remediator's Role allows it. null: the action is not available on Kubernetes.
 */
export function permissionsFor(action: ActionKind, kind: WorkloadKind): Permission[] | null {
  const w = PLURAL[kind];
  const read = [
    { group: 'apps', resource: w, subresource: 'scale', verb: 'get' },
    { group: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'list' },
  ];
  switch (action) {
    case 'scale_out':
    case 'scale_in':
      return [
        ...read,
        { group: 'apps', resource: w, subresource: 'scale', verb: 'patch' },
        { group: 'autoscaling', resource: 'horizontalpodautoscalers', verb: 'patch' },
      ];
    case 'restart':
      return [
        ...read,
        { group: 'apps', resource: w, verb: 'get' },
        { group: 'apps', resource: w, verb: 'patch' },
      ];
    case 'isolate':
      return [
        ...read,
        { group: 'apps', resource: w, verb: 'get' },
        { group: '', resource: 'services', verb: 'get' },
        { group: '', resource: 'pods', verb: 'list' },
        { group: '', resource: 'pods', verb: 'get' },
        { group: '', resource: 'pods', verb: 'patch' },
        { group: '', resource: 'pods', subresource: 'eviction', verb: 'create' },
      ];
    case 'shift_traffic':
      return [
        ...read,
        { group: GATEWAY.group, resource: GATEWAY.plural, verb: 'list' },
        { group: GATEWAY.group, resource: GATEWAY.plural, verb: 'patch' },
      ];
    case 'notify':
      return [];
    default:
      return null;
  }
}
