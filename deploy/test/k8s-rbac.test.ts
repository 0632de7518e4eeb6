import { kustomizeBuild, objectId } from '../src/kustomize';
import { repoPath } from '../src/repo';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { K8sObject } from '../src/k8s-schema';

// Least privilege for the remediator: the exact (group, resource, verb) set it needs for its
// actions and its Lease, nothing cluster-wide, and the Lease it may update is the one it uses.
const objects = kustomizeBuild(repoPath('k8s', 'overlays', 'prometheus-operator'));

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const grants = (rules: Rule[]) =>
  rules
    .flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g || 'core'}/${res}:${v}${r.resourceNames ? `@${r.resourceNames.join(',')}` : ''}`))),
    )
    .sort();

describe('remediator RBAC', () => {
  const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'remediator') as K8sObject & { rules: Rule[] };

  it('grants exactly scale, restart, HPA, isolate, traffic-shift and Lease verbs', () => {
    expect(grants(role.rules)).toEqual(
      [
        'apps/deployments/scale:get',
        'apps/deployments/scale:patch',
        'apps/statefulsets/scale:get',
        'apps/statefulsets/scale:patch',
        'apps/deployments:get',
        'apps/deployments:patch',
        'apps/statefulsets:get',
        'apps/statefulsets:patch',
        'autoscaling/horizontalpodautoscalers:list',
        'autoscaling/horizontalpodautoscalers:patch',
        'core/pods:get',
        'core/pods:list',
        'core/pods:patch',
        'core/pods/eviction:create',
        'core/services:get',
        'gateway.networking.k8s.io/httproutes:list',
        'gateway.networking.k8s.io/httproutes:patch',
        'coordination.k8s.io/leases:get@homeostat-remediator',
        'coordination.k8s.io/leases:update@homeostat-remediator',
        'coordination.k8s.io/leases:create',
      ].sort(),
    );
  });

  it('grants exactly what the remediator\'s Kubernetes code calls (actuator and Lease), nothing more', () => {
    // client method -> (group/resource, verb), for the calls in the remediator's sources
    const RESOURCE: Record<string, string> = {
      DeploymentScale: 'apps/deployments/scale',
      Deployment: 'apps/deployments',
      StatefulSetScale: 'apps/statefulsets/scale',
      StatefulSet: 'apps/statefulsets',
      PodEviction: 'core/pods/eviction',
      CustomObject: 'gateway.networking.k8s.io/httproutes', // the only custom resource: HTTPRoute
      HorizontalPodAutoscaler: 'autoscaling/horizontalpodautoscalers',
      Pod: 'core/pods',
      Lease: 'coordination.k8s.io/leases',
      Service: 'core/services',
      ConfigMap: 'core/configmaps',
    };
    const VERB: Record<string, string> = { read: 'get', list: 'list', patch: 'patch', create: 'create', replace: 'update', delete: 'delete' };
    const dir = 'remediator/src/actuators/kubernetes';
    const files = [
      ...readdirSync(repoPath(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => `${dir}/${f}`),
      'remediator/src/leader/lease.ts',
    ];
    const needed = new Set<string>();
    for (const f of files) {
      const src = readFileSync(repoPath(f), 'utf8');
      for (const m of src.matchAll(/\.(read|list|patch|create|replace|delete)Namespaced(\w+?)(?:Status)?\(/g)) {
        const resource = RESOURCE[m[2]];
        expect([f, m[0], resource]).toEqual([f, m[0], expect.any(String)]); // a new API call needs a row here and a rule in role.yaml
        needed.add(`${resource}:${VERB[m[1]]}`);
      }
    }
    const granted = new Set(grants(role.rules).map((g) => g.replace(/@.*$/, '')));
    expect([...granted].sort()).toEqual([...needed].sort());
  });

  it('has no wildcard, no delete, no secrets and no cluster-wide role', () => {
    for (const r of role.rules) {
      expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
      expect(r.verbs).not.toEqual(expect.arrayContaining(['delete']));
      expect(r.resources).not.toContain('secrets');
    }
    expect(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding').map(objectId)).toEqual([]);
  });

  it('binds the Role to the ServiceAccount the remediator pods run as, and to nothing else', () => {
    const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'remediator') as K8sObject & {
      roleRef: { kind: string; name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    expect(binding.roleRef).toEqual(expect.objectContaining({ kind: 'Role', name: 'remediator' }));
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'remediator', namespace: 'homeostat' }]);
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'remediator') as K8sObject & {
      spec: { template: { spec: { serviceAccountName: string } } };
    };
    expect(deployment.spec.template.spec.serviceAccountName).toBe('remediator');
    const users = objects.filter(
      (o) => (o.spec as { template?: { spec?: { serviceAccountName?: string } } } | undefined)?.template?.spec?.serviceAccountName === 'remediator',
    );
    expect(users.map(objectId)).toEqual(['Deployment/remediator']);
  });

  it('gives the remediator pod no secret it does not use (no demo admin token: traffic and cache go through the API server)', () => {
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'remediator') as K8sObject & {
      spec: { template: { spec: { containers: { env?: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[] }[] } } };
    };
    const secrets = deployment.spec.template.spec.containers.flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name ?? null));
    expect(secrets.filter((x) => x !== null)).toEqual([]);
  });

  it('elects its leader on the one Lease the Role lets it update, in its own namespace', () => {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'remediator-config') as K8sObject & { data: Record<string, string> };
    const config = parse(cm.data['remediator.yml']) as { kubernetes: { leaderElection: { enabled: boolean; namespace: string; leaseName: string } } };
    const lease = role.rules.find((r) => r.resources.includes('leases') && r.resourceNames)!;
    expect(config.kubernetes.leaderElection).toEqual(expect.objectContaining({ enabled: true, namespace: 'homeostat' }));
    expect(lease.resourceNames).toEqual([config.kubernetes.leaderElection.leaseName]);
    expect(role.metadata.namespace).toBe(config.kubernetes.leaderElection.namespace);
  });
});
