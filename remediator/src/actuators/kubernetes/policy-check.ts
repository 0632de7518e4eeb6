import { RemediatorError } from '../../errors';
import type { Policy } from '../../policy/policy-schema';
import { checkIsolationLabel } from './isolation';
import type { KubeApi } from './kube-api';
import { permissionsFor, type Permission } from './permissions';
import { gatewayApiProblem } from './traffic-shift';
import { Workload, WORKLOAD_KINDS, type WorkloadKind } from './workload';

const literal = (s: string | undefined): s is string => s !== undefined && !s.includes('{{');

/**
 * Refuses, when the policy loads, the Kubernetes steps the cluster or the remediator's Role cannot
 * perform, naming the policy field: an unsupported kind, a missing namespace, cache_enable (no
 * mechanism the application reloads), a Service-selector traffic shift, shift_traffic without the
 * Gateway API, a permission the Role lacks (SelfSubjectAccessReview), an isolation label that is not
 * in the Service's selector or is in the workload's. Checks that need a namespace or name are made
 * where the policy names them literally; templated ones are checked when the incident resolves them.
 * Returns the literal namespaces (where the start-up reconcile looks for floors and isolations).
 */
export async function checkPolicy(api: KubeApi, policy: Policy): Promise<string[]> {
  const namespaces = new Set<string>();
  const asked = new Map<string, boolean>();
  const allowed = async (ns: string, p: Permission) => {
    const key = `${ns}/${p.group}/${p.resource}/${p.subresource ?? ''}/${p.verb}`;
    if (!asked.has(key)) {
      const r = await api.authz.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { namespace: ns, ...p } },
        },
      });
      asked.set(key, r.status?.allowed === true);
    }
    return asked.get(key)!;
  };
  for (const [i, rule] of policy.rules.entries()) {
    const t = rule.target;
    if (t.actuator !== 'kubernetes') continue;
    const refuse = (field: string, msg: string) =>
      new RemediatorError('POLICY_INVALID', `rules.${i}.${field}: ${msg}`, { field: `rules.${i}.${field}` });
    if (!(t.kind in WORKLOAD_KINDS))
      throw refuse(
        'target.kind',
        `kubernetes kind ${t.kind} is not supported (${Object.keys(WORKLOAD_KINDS).join(', ')})`,
      );
    if (!t.namespace)
      throw refuse('target.namespace', 'a kubernetes target needs a namespace (the Role is namespaced)');
    const ns = literal(t.namespace) ? t.namespace : null;
    if (ns) namespaces.add(ns);
    for (const [j, step] of rule.ladder.entries()) {
      const at = `ladder.${j}`;
      if (step.action === 'cache_enable')
        throw refuse(
          `${at}.action`,
          'cache_enable is not available on Kubernetes: no cache toggle the application reloads (the demo reads its flag at start-up)',
        );
      if (step.action === 'shift_traffic' && step.params.selector !== undefined)
        throw refuse(
          `${at}.params.selector`,
          'a Service-selector shift is all or nothing; shift_traffic uses Gateway API HTTPRoute weights',
        );
      const perms = permissionsFor(step.action, t.kind as WorkloadKind);
      if (!perms) throw refuse(`${at}.action`, `${step.action} is not available on Kubernetes`);
      if (!ns) continue;
      for (const p of perms)
        if (!(await allowed(ns, p)))
          throw refuse(
            `${at}.action`,
            `the remediator's Role does not allow ${p.verb} ${p.group || 'core'}/${p.resource}${p.subresource ? `/${p.subresource}` : ''} in ${ns}, which ${step.action} needs`,
          );
      if (step.action === 'shift_traffic') {
        const problem = await gatewayApiProblem(api, ns);
        if (problem) throw refuse(`${at}.action`, `shift_traffic refused: ${problem}`);
      }
      if (step.action === 'isolate' && literal(t.name)) {
        try {
          await checkIsolationLabel(
            api,
            new Workload(api, { ...t, namespace: ns }),
            t.name,
            String(step.params.label ?? 'homeostat.io/traffic'),
          );
        } catch (e) {
          if (e instanceof RemediatorError) throw refuse(`${at}.params.label`, e.message);
          throw e;
        }
      }
    }
  }
  return [...namespaces];
}
