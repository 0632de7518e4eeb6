import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@homeostat/testkit';
import { Controllers, type WorkloadController, type Workload } from './fake-controllers';
import { FakeRbac } from './fake-rbac';
import { jsonPatch, mergePatch, PatchError, type Json } from './json-patch';
import { matches, selectorString } from './label-selector';

export interface Call {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

interface Meta {
  name: string;
  namespace: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export type Obj = Json & { metadata: Meta; spec?: Json; status?: Json };

const RESOURCES: Record<string, { group: string; version: string; kind: string }> = {
  deployments: { group: 'apps', version: 'v1', kind: 'Deployment' },
  statefulsets: { group: 'apps', version: 'v1', kind: 'StatefulSet' },
  pods: { group: '', version: 'v1', kind: 'Pod' },
  services: { group: '', version: 'v1', kind: 'Service' },
  configmaps: { group: '', version: 'v1', kind: 'ConfigMap' },
  horizontalpodautoscalers: { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' },
  leases: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
  httproutes: { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' },
};
const VERB: Record<string, string> = { PATCH: 'patch', PUT: 'update', POST: 'create', DELETE: 'delete' };
const status = (code: number, reason: string, message = reason) => ({
  kind: 'Status',
  code,
  reason,
  message,
});
const clone = <T>(v: T): T => structuredClone(v);

/**
 * A Kubernetes API server stand-in on the real paths (core `/api/v1`, groups `/apis/<g>/<v>`), with
 * the behaviour the remediator depends on: RBAC decided by the shipped Role (403 otherwise, and
 * SelfSubjectAccessReview answered from it), merge and JSON patches (a failed `test` is a 422),
 * resourceVersion conflicts (409), label selectors (`=`, `!=`, `in`, `notin`, exists), the scale
 * subresource of Deployments and StatefulSets, pod eviction (429 while a PodDisruptionBudget
 * blocks), an HPA controller, a Deployment/StatefulSet status controller, and a clock the test
 * moves (`tick`). Unknown paths are a 404 and land in `unexpected`.
 */
export class FakeKube {
  calls: Call[] = [];
  unexpected: Call[] = [];
  /** Requests the shipped Role denied. */
  forbidden: Call[] = [];
  /** Served API groups; Gateway API (HTTPRoute) only when a test installs it. */
  gatewayApi = false;
  /** What the HPA's metrics ask for (replicas); undefined: keep the current count. */
  hpaWants: number | undefined;
  /** Evictions answer 429 (a PodDisruptionBudget allows no disruption). */
  pdbBlocks = false;
  /** The server accepts requests and never answers (a hung API server). */
  hang = false;
  /** Sees each request before it is served (a test kills the caller at a chosen call). */
  onCall: ((c: Call) => void) | null = null;
  rbac = new FakeRbac();
  private readonly controllers = new Controllers();
  get controller(): WorkloadController {
    return this.controllers.workloads;
  }
  now = Date.parse('2026-12-06T08:00:00Z');
  private readonly store = new Map<string, Obj>();
  private rv = 1;
  private podSeq = 0;
  private server!: Server;
  url = '';
  kubeconfig = '';

  constructor(readonly namespace = 'shop') {
    this.put('deployments', {
      metadata: { name: 'orders', namespace, generation: 1 },
      spec: {
        replicas: 2,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: { app: 'orders' } },
        template: {
          metadata: { labels: { app: 'orders', 'homeostat.io/traffic': 'serving' } },
          spec: { containers: [{ name: 'app', image: 'x' }] },
        },
      },
    });
    this.put('services', {
      metadata: { name: 'orders', namespace },
      spec: { selector: { app: 'orders', 'homeostat.io/traffic': 'serving' } },
    });
    this.addPod('orders-7d9f-a');
    this.addPod('orders-7d9f-b');
    this.sync(false);
  }

  // ---- test helpers -------------------------------------------------------------------------

  get(plural: string, name: string, ns = this.namespace): Obj | undefined {
    return this.store.get(`${plural}/${ns}/${name}`);
  }
  put(plural: string, o: Omit<Obj, 'metadata'> & { metadata: Partial<Meta> & { name: string } }): Obj {
    const r = RESOURCES[plural]!;
    const obj = {
      apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
      kind: r.kind,
      ...clone(o),
      metadata: { namespace: this.namespace, ...clone(o.metadata), resourceVersion: String(++this.rv) },
    } as Obj;
    this.store.set(`${plural}/${obj.metadata.namespace}/${obj.metadata.name}`, obj);
    return obj;
  }
  deployment(name = 'orders'): Workload {
    return this.get('deployments', name) as unknown as Workload;
  }
  get replicas(): number {
    return this.deployment().spec.replicas;
  }
  /** A human (or GitOps) scales the Deployment. */
  set replicas(n: number) {
    this.write('deployments', this.deployment() as unknown as Obj, (d) => ((d.spec as Json).replicas = n));
  }
  addHpa(minReplicas: number, maxReplicas: number, target = { kind: 'Deployment', name: 'orders' }): void {
    this.put('horizontalpodautoscalers', {
      metadata: { name: `${target.name}-hpa` },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', ...target }, minReplicas, maxReplicas },
    });
    this.sync(false);
  }
  hpa(name = 'orders-hpa'): {
    minReplicas: number;
    maxReplicas: number;
    annotations: Record<string, string>;
  } {
    const h = this.get('horizontalpodautoscalers', name)!;
    const s = h.spec as { minReplicas: number; maxReplicas: number };
    return {
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      annotations: h.metadata.annotations ?? {},
    };
  }
  /** A human edits the HPA. */
  editHpa(f: (spec: { minReplicas: number; maxReplicas: number }) => void, name = 'orders-hpa'): void {
    this.write('horizontalpodautoscalers', this.get('horizontalpodautoscalers', name)!, (h) =>
      f(h.spec as { minReplicas: number; maxReplicas: number }),
    );
  }
  addPod(
    name: string,
    o: { ready?: boolean; restarts?: number; labels?: Record<string, string> } = {},
  ): void {
    this.put('pods', {
      metadata: { name, labels: o.labels ?? { app: 'orders', 'homeostat.io/traffic': 'serving' } },
      spec: { containers: [{ name: 'app' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
        containerStatuses: [{ name: 'app', ready: o.ready !== false, restartCount: o.restarts ?? 0 }],
      },
    });
  }
  get pods(): { name: string; labels: Record<string, string>; annotations: Record<string, string> }[] {
    return [...this.store.entries()]
      .filter(([k]) => k.startsWith(`pods/${this.namespace}/`))
      .map(([, p]) => ({
        name: p.metadata.name,
        labels: p.metadata.labels ?? {},
        annotations: p.metadata.annotations ?? {},
      }));
  }
  get lease(): Obj | null {
    return this.get('leases', 'homeostat-remediator', 'homeostat') ?? null;
  }
  set lease(l: Obj | null) {
    if (l) this.store.set('leases/homeostat/homeostat-remediator', clone(l));
    else this.store.delete('leases/homeostat/homeostat-remediator');
  }
  /** Moves the clock; every controller syncs once per call (a rollout advances one pod). */
  tick(ms: number): void {
    this.now += ms;
    this.sync(true);
  }
  /** Calls other than the lease traffic of leader election. */
  actionCalls(): Call[] {
    return this.calls.filter((c) => !c.path.includes('/leases'));
  }
  writes(): Call[] {
    return this.actionCalls().filter(
      (c) => c.method !== 'GET' && !c.path.includes('selfsubjectaccessreviews'),
    );
  }

  // ---- server -------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        const body = data ? (JSON.parse(data) as unknown) : undefined;
        const call: Call = {
          method: req.method ?? '',
          path: req.url ?? '',
          contentType: req.headers['content-type'],
          body,
        };
        this.calls.push(call);
        this.onCall?.(call);
        if (this.hang) return;
        const [code, out] = this.route(call);
        if (code === 403) this.forbidden.push(call);
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out));
      });
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    this.kubeconfig = join(makeTempDir('kube'), 'config');
    writeFileSync(
      this.kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: fake, cluster: { server: "${this.url}", insecure-skip-tls-verify: true } }]
users: [{ name: remediator, user: { token: fake-token } }]
contexts: [{ name: fake, context: { cluster: fake, user: remediator, namespace: ${this.namespace} } }]
current-context: fake
`,
    );
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((ok) => this.server.close(() => ok()));
  }

  private route(c: Call): [number, unknown] {
    const u = new URL(c.path, this.url);
    const p = u.pathname;
    if (p === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && c.method === 'POST')
      return [201, this.rbac.review(c.body as Json)]; // any authenticated user may ask (system:basic-user)
    const m =
      /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
        p,
      );
    const res = m ? RESOURCES[m[4]!] : undefined;
    if (!m || !res || (res.group || '') !== (m[1] ?? '') || (m[4] === 'httproutes' && !this.gatewayApi)) {
      this.unexpected.push(c);
      return [
        404,
        status(404, 'NotFound', `the server could not find the requested resource: ${c.method} ${p}`),
      ];
    }
    const [, , , ns, plural, name, sub] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string?,
      string?,
    ];
    const verb = c.method === 'GET' ? (name ? 'get' : 'list') : (VERB[c.method] ?? c.method);
    const resource = sub ? `${plural}/${sub}` : plural;
    if (!this.rbac.allows(res.group, resource, verb, name))
      return [
        403,
        status(403, 'Forbidden', `${resource} "${name ?? ''}" is forbidden: cannot ${verb} in ${ns}`),
      ];
    try {
      return this.handle(c, u, { ns, plural, name, sub, verb });
    } catch (e) {
      if (e instanceof PatchError)
        return [e.status, status(e.status, e.status === 409 ? 'Conflict' : 'Invalid', e.message)];
      throw e;
    }
  }

  private handle(
    c: Call,
    u: URL,
    r: { ns: string; plural: string; name?: string; sub?: string; verb: string },
  ): [number, unknown] {
    const key = `${r.plural}/${r.ns}/${r.name ?? ''}`;
    const cur = this.store.get(key);
    if (r.verb === 'list') {
      const sel = u.searchParams.get('labelSelector') ?? '';
      const items = [...this.store.entries()]
        .filter(([k, o]) => k.startsWith(`${r.plural}/${r.ns}/`) && matches(sel, o.metadata.labels ?? {}))
        .map(([, o]) => o);
      return [
        200,
        { kind: `${RESOURCES[r.plural]!.kind}List`, metadata: { resourceVersion: String(this.rv) }, items },
      ];
    }
    if (r.verb === 'create' && !r.name) {
      const b = c.body as Obj;
      if (this.store.has(`${key}${b.metadata.name}`)) return [409, status(409, 'AlreadyExists')];
      return [201, this.put(r.plural, { ...b, metadata: { ...b.metadata, namespace: r.ns } })];
    }
    if (!cur) return [404, status(404, 'NotFound', `${r.plural} "${r.name}" not found`)];
    if (r.sub === 'eviction' && r.plural === 'pods' && r.verb === 'create') {
      if (this.pdbBlocks)
        return [
          429,
          status(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget."),
        ];
      this.store.delete(key);
      this.replace(cur);
      return [201, status(201, 'Created')];
    }
    if (r.sub === 'scale') {
      if (r.plural !== 'deployments' && r.plural !== 'statefulsets') return [404, status(404, 'NotFound')];
      const scale = this.scaleOf(cur);
      if (r.verb === 'get') return [200, scale];
      if (r.verb !== 'patch' && r.verb !== 'update') return [405, status(405, 'MethodNotAllowed')];
      const next = this.apply(c, scale) as Obj;
      this.write(r.plural, cur, (w) => ((w.spec as Json).replicas = (next.spec as Json).replicas));
      return [200, this.scaleOf(this.store.get(key)!)];
    }
    if (r.sub) return [404, status(404, 'NotFound')];
    if (r.verb === 'get') return [200, cur];
    if (r.verb === 'delete') {
      this.store.delete(key);
      return [200, status(200, 'Success')];
    }
    if (r.verb === 'patch' || r.verb === 'update') {
      const next = this.apply(c, cur) as Obj;
      return [
        200,
        this.write(r.plural, cur, (o) =>
          Object.assign(o, next, {
            metadata: { ...next.metadata, resourceVersion: cur.metadata.resourceVersion },
          }),
        ),
      ];
    }
    return [405, status(405, 'MethodNotAllowed')];
  }

  /** The patched or replaced object, refused with 409 when it names another resourceVersion. */
  private apply(c: Call, cur: Obj): unknown {
    const rv = cur.metadata.resourceVersion;
    let next: Obj;
    if (c.method === 'PUT') {
      next = c.body as Obj;
      if (next.metadata?.resourceVersion === undefined)
        throw new PatchError(422, 'metadata.resourceVersion must be specified for an update');
    } else if (c.contentType === 'application/json-patch+json') {
      next = jsonPatch(cur, c.body as Parameters<typeof jsonPatch>[1]);
    } else if (
      c.contentType === 'application/merge-patch+json' ||
      c.contentType === 'application/strategic-merge-patch+json'
    ) {
      next = mergePatch(cur, c.body) as Obj;
    } else throw new PatchError(422, `unsupported patch type ${c.contentType}`);
    if (next.metadata?.resourceVersion !== undefined && next.metadata.resourceVersion !== rv)
      throw new PatchError(
        409,
        `the object has been modified; please apply your changes to the latest version (${rv})`,
      );
    return next;
  }

  /** Stores a change: a new resourceVersion, generation +1 when the spec changed, then controllers sync. */
  private write(plural: string, cur: Obj, change: (o: Obj) => void): Obj {
    const next = clone(cur);
    change(next);
    if (JSON.stringify(next.spec) !== JSON.stringify(cur.spec) && cur.metadata.generation !== undefined)
      next.metadata.generation = cur.metadata.generation + 1;
    next.metadata.resourceVersion = String(++this.rv);
    this.store.set(`${plural}/${next.metadata.namespace}/${next.metadata.name}`, next);
    this.sync(false);
    return this.store.get(`${plural}/${next.metadata.namespace}/${next.metadata.name}`)!;
  }

  private scaleOf(w: Obj): Obj {
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {
        name: w.metadata.name,
        namespace: w.metadata.namespace,
        resourceVersion: w.metadata.resourceVersion,
      },
      spec: { replicas: (w.spec as Json).replicas },
      status: {
        replicas: ((w.status ?? {}) as Json).replicas ?? 0,
        selector: selectorString((w.spec as Json).selector as Json),
      },
    };
  }

  /** The ReplicaSet replaces an evicted pod of its workload with a fresh one from the template. */
  private replace(pod: Obj): void {
    const owner = ['deployments', 'statefulsets']
      .flatMap((pl) =>
        [...this.store.entries()].filter(([k]) => k.startsWith(`${pl}/${pod.metadata.namespace}/`)),
      )
      .map(([, w]) => w)
      .find((w) => matches(selectorString((w.spec as Json).selector as Json), pod.metadata.labels ?? {}));
    if (!owner) return;
    const labels = ((((owner.spec as Json).template as Json).metadata as Json).labels ?? {}) as Record<
      string,
      string
    >;
    this.addPod(`${owner.metadata.name}-new-${++this.podSeq}`, { labels: { ...labels } });
  }

  /** Controllers: every HPA sets its target's replicas; workload status follows (a rollout steps on tick). */
  private sync(step: boolean): void {
    this.controllers.sync(this.store, {
      now: this.now,
      step,
      hpaWants: this.hpaWants,
      nextRv: () => String(++this.rv),
    });
  }
}
