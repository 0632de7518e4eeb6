import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The Role the remediator ships (k8s/base/remediator/role.yaml): the fake API server authorises with it. */
export const SHIPPED_ROLE = join(__dirname, '..', '..', '..', 'k8s', 'base', 'remediator', 'role.yaml');

export class FakeRbac {
  readonly rules: PolicyRule[];

  constructor(file = SHIPPED_ROLE) {
    this.rules = (parse(readFileSync(file, 'utf8')) as { rules: PolicyRule[] }).rules;
  }

  /** As the RBAC authoriser decides: any rule granting (group, resource, verb), and the name if it is limited. */
  allows(group: string, resource: string, verb: string, name?: string): boolean {
    return this.rules.some(
      (r) =>
        r.apiGroups.includes(group) &&
        r.resources.includes(resource) &&
        r.verbs.includes(verb) &&
        (!r.resourceNames || (name !== undefined && r.resourceNames.includes(name))),
    );
  }

  /** A SelfSubjectAccessReview answered from the rules. */
  review(body: Record<string, unknown>): Record<string, unknown> {
    const a = (body.spec as { resourceAttributes: Record<string, string | undefined> }).resourceAttributes;
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
    const allowed = this.allows(a.group ?? '', resource, a.verb ?? '', a.name);
    return { ...body, status: { allowed, ...(allowed ? {} : { reason: 'no RBAC rule' }) } };
  }
}
