import { KubernetesSchemas, type K8sObject } from '../src/k8s-schema';
import { findObject, kustomizeBuild, objectId } from '../src/kustomize';
import { repoPath } from '../src/repo';
import { selects, workloads, type Workload } from '../src/workloads';

// Every overlay a user applies, assembled by the real kustomize and checked against the Kubernetes
// OpenAPI schemas and the prometheus-operator CRDs, then for the conventions a reviewer expects.
jest.setTimeout(60_000);

const OVERLAYS = ['plain', 'prometheus-operator'] as const;
const schemas = new KubernetesSchemas();
const built = Object.fromEntries(OVERLAYS.map((o) => [o, kustomizeBuild(repoPath('k8s', 'overlays', o))])) as Record<
  (typeof OVERLAYS)[number],
  K8sObject[]
>;
const base = kustomizeBuild(repoPath('k8s', 'base'));

describe.each(OVERLAYS)('k8s/overlays/%s', (overlay) => {
  const objects = built[overlay];

  it('validates every object against its schema', () => {
    const problems = objects.flatMap((o) => schemas.validate(o));
    expect(problems).toEqual([]);
  });

  it('puts every namespaced object in namespace homeostat', () => {
    const stray = objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== 'homeostat').map(objectId);
    expect(stray).toEqual([]);
  });

  it('has no duplicate objects', () => {
    const ids = objects.map((o) => `${o.apiVersion}/${objectId(o)}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('references only ConfigMaps, Secrets and ServiceAccounts that it creates', () => {
    const has = (kind: string, name: string) => objects.some((o) => o.kind === kind && o.metadata.name === name);
    const missing: string[] = [];
    for (const w of workloads(objects)) {
      const pod = w.spec.template.spec;
      for (const v of pod.volumes ?? []) {
        if (v.configMap && !has('ConfigMap', v.configMap.name)) missing.push(`${objectId(w)} -> ConfigMap/${v.configMap.name}`);
        if (v.secret && !has('Secret', v.secret.secretName)) missing.push(`${objectId(w)} -> Secret/${v.secret.secretName}`);
      }
      for (const c of pod.containers) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref && !has('Secret', ref.name)) missing.push(`${objectId(w)} -> Secret/${ref.name}`);
        }
      }
      if (pod.serviceAccountName && !has('ServiceAccount', pod.serviceAccountName)) missing.push(`${objectId(w)} -> ServiceAccount/${pod.serviceAccountName}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('k8s/overlays/prometheus-operator custom resources', () => {
  const objects = built['prometheus-operator'];
  it('ships a PrometheusRule, an AlertmanagerConfig and ServiceMonitors selecting existing Services', () => {
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['PrometheusRule', 'AlertmanagerConfig', 'ServiceMonitor']));
    const services = objects.filter((o) => o.kind === 'Service');
    for (const sm of objects.filter((o) => o.kind === 'ServiceMonitor')) {
      const spec = sm.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
      const picked = services.filter((s) => selects(spec.selector.matchLabels, s.metadata.labels ?? {}));
      expect(picked.length).toBeGreaterThan(0);
      for (const s of picked) {
        const ports = (s.spec as { ports: { name: string }[] }).ports.map((p) => p.name);
        for (const e of spec.endpoints) expect(ports).toContain(e.port);
      }
    }
  });

  it('sends remediate="true" alerts to the remediator Service with the bearer token Secret', () => {
    const amc = findObject(objects, 'AlertmanagerConfig', 'homeostat-remediator');
    const spec = amc.spec as {
      route: { receiver: string; matchers: { name: string; value: string }[]; groupWait: string };
      receivers: { name: string; webhookConfigs: { url: string; httpConfig: { authorization: { type: string; credentials: { name: string; key: string } } } }[] }[];
    };
    expect(spec.route.matchers).toEqual([expect.objectContaining({ name: 'remediate', value: 'true' })]);
    const hook = spec.receivers.find((r) => r.name === spec.route.receiver)!.webhookConfigs[0];
    const svc = findObject(objects, 'Service', 'remediator');
    const port = (svc.spec as { ports: { port: number }[] }).ports[0].port;
    expect(hook.url).toBe(`http://remediator.homeostat.svc:${port}/api/v1/alerts/alertmanager`);
    expect(hook.httpConfig.authorization.type).toBe('Bearer');
    const secret = findObject(objects, 'Secret', hook.httpConfig.authorization.credentials.name);
    expect(Object.keys((secret.data ?? {}) as object)).toContain(hook.httpConfig.authorization.credentials.key);
  });
});

describe('k8s workloads (base)', () => {
  const all = workloads(base);

  it('runs the detector, the remediator, the gateway and three backends', () => {
    expect(all.map(objectId).sort()).toEqual(
      ['Deployment/gateway', 'Deployment/inventory', 'Deployment/orders', 'Deployment/payments', 'Deployment/remediator', 'StatefulSet/detector'].sort(),
    );
  });

  it.each(all.map((w) => [objectId(w), w] as [string, Workload]))('%s runs non-root, read-only, without capabilities', (_id, w) => {
    const pod = w.spec.template.spec;
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    for (const c of pod.containers) {
      expect(c.securityContext).toEqual(
        expect.objectContaining({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }),
      );
    }
  });

  it.each(all.map((w) => [objectId(w), w] as [string, Workload]))('%s has resources and /healthz + /readyz probes on a declared port', (_id, w) => {
    for (const c of w.spec.template.spec.containers) {
      for (const r of ['cpu', 'memory']) {
        expect(c.resources?.requests?.[r]).toBeDefined();
        expect(c.resources?.limits?.[r]).toBeDefined();
      }
      const ports = (c.ports ?? []).flatMap((p) => [p.name, p.containerPort]);
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(ports).toContain(c.readinessProbe?.httpGet?.port);
      expect(ports).toContain(c.livenessProbe?.httpGet?.port);
    }
  });

  it('mounts the Kubernetes API token only into the remediator', () => {
    const withToken = all.filter((w) => w.spec.template.spec.automountServiceAccountToken !== false).map(objectId);
    expect(withToken).toEqual(['Deployment/remediator']);
  });

  it('gives every Service a selector that picks a pod template and a targetPort it declares', () => {
    for (const svc of base.filter((o) => o.kind === 'Service')) {
      const spec = svc.spec as { selector: Record<string, string>; ports: { targetPort: string | number }[] };
      const pods = all.filter((w) => selects(spec.selector, w.spec.template.metadata.labels));
      expect([objectId(svc), pods.length]).toEqual([objectId(svc), 1]);
      const declared = pods[0].spec.template.spec.containers.flatMap((c) => (c.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
      for (const p of spec.ports) expect(declared).toContain(p.targetPort);
    }
  });

  it('autoscales each backend with an HPA on an existing Deployment that leaves replicas to it', () => {
    const hpas = base.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(['inventory', 'orders', 'payments']);
    for (const h of hpas) {
      const spec = h.spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
      const target = findObject<Workload>(base, spec.scaleTargetRef.kind, spec.scaleTargetRef.name);
      // a replicas field would fight the HPA on every `kubectl apply`
      expect(target.spec.replicas).toBeUndefined();
      expect(spec.minReplicas).toBeGreaterThanOrEqual(1);
      expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas);
      // the remediator's isolate action flips this label; the Service must select on it
      expect(target.spec.template.metadata.labels['homeostat.io/traffic']).toBe('serving');
      const svc = findObject(base, 'Service', spec.scaleTargetRef.name);
      expect((svc.spec as { selector: Record<string, string> }).selector['homeostat.io/traffic']).toBe('serving');
    }
  });

  it('labels the demo Services job=demo for the detector queries and HomeostatTargetDown', () => {
    const demo = base.filter((o) => o.kind === 'Service' && o.metadata.labels?.['homeostat.io/job'] === 'demo').map((s) => s.metadata.name);
    expect(demo.sort()).toEqual(['gateway', 'inventory', 'orders', 'payments']);
  });
});
