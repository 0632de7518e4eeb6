import { KubernetesSchemas, type K8sObject } from './k8s-schema';

// The validator must fail where `kubectl apply` would: these are the mistakes it exists to catch.
const schemas = new KubernetesSchemas();

function deployment(): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'web:1',
              args: ['--port', '8080'],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '1Gi' } },
              securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}

type Mutation = (d: K8sObject) => void;
/** The fixture's first container, as a plain record the mutations may break. */
const container = (d: K8sObject) => (d.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];

describe('KubernetesSchemas', () => {
  it('knows the built-in kinds and the prometheus-operator CRDs', () => {
    const kinds = schemas.knownKinds();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'apps/v1/Deployment',
        'apps/v1/StatefulSet',
        'autoscaling/v2/HorizontalPodAutoscaler',
        'rbac.authorization.k8s.io/v1/Role',
        'v1/ConfigMap',
        'monitoring.coreos.com/v1/PrometheusRule',
        'monitoring.coreos.com/v1/ServiceMonitor',
        'monitoring.coreos.com/v1alpha1/AlertmanagerConfig',
      ]),
    );
  });

  it('accepts a valid Deployment (int-or-string ports, numeric and string quantities)', () => {
    expect(schemas.validate(deployment())).toEqual([]);
  });

  it.each<[string, Mutation, string, string]>([
    ['a misspelt field', (d) => (container(d).securityContext = { readOnlyRootFileSystem: true }), '/spec/template/spec/containers/0/securityContext', 'unknown field "readOnlyRootFileSystem"'],
    ['a number where a string is required', (d) => (container(d).args = ['--port', 8080]), '/spec/template/spec/containers/0/args/1', 'must be string'],
    ['a missing required field', (d) => delete container(d).name, '/spec/template/spec/containers/0', 'missing required field "name"'],
    ['a malformed quantity', (d) => (container(d).resources = { limits: { memory: '1 GB' } }), '/spec/template/spec/containers/0/resources/limits/memory', 'must match pattern'],
    ['a port given as a boolean', (d) => (container(d).readinessProbe = { httpGet: { path: '/readyz', port: true } }), '/spec/template/spec/containers/0/readinessProbe/httpGet/port', 'must be'],
    ['an unknown top-level field', (d) => ((d as Record<string, unknown>).status2 = {}), '/', 'unknown field "status2"'],
  ])('rejects %s and names the path', (_what, mutate, path, message) => {
    const d = deployment();
    mutate(d);
    const problems = schemas.validate(d);
    expect(problems).toEqual(expect.arrayContaining([expect.objectContaining({ object: 'Deployment/web', path, message: expect.stringContaining(message) })]));
  });

  it('rejects an apiVersion/kind it has no schema for, instead of passing it unchecked', () => {
    const problems = schemas.validate({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'old' } });
    expect(problems).toEqual([expect.objectContaining({ path: '/apiVersion', message: expect.stringContaining('no schema for apps/v1beta1/Deployment') })]);
  });

  it('checks custom resources against their CRD schema and their metadata as ObjectMeta', () => {
    const rule = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'r', labelz: {} },
      spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', for: 'soon' }] }] },
    };
    const problems = schemas.validate(rule);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/metadata', message: 'unknown field "labelz"' }),
        expect.objectContaining({ path: '/spec/groups/0/rules/0/for', message: expect.stringContaining('must match pattern') }),
      ]),
    );
  });
});
