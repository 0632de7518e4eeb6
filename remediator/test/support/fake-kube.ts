import { createServer, type IncomingMessage, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@homeostat/testkit';

export interface Call {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

type Json = Record<string, unknown>;

/**
 * A Kubernetes API server stand-in that implements exactly the paths and verbs the remediator
 * uses (scale subresource, deployment read/patch, HPA list/patch, pods list/patch, services,
 * configmaps, leases) over plain HTTP, keeps state, and records every call. Anything else is a 404
 * and lands in `unexpected`.
 */
export class FakeKube {
  calls: Call[] = [];
  unexpected: Call[] = [];
  replicas = 2;
  paused = false;
  annotations: Record<string, string> = {};
  hpa: { minReplicas: number; maxReplicas: number } | null = null;
  pods: { name: string; labels: Record<string, string> }[] = [
    { name: 'orders-7d9f-a', labels: { app: 'orders', 'homeostat.io/traffic': 'serving' } },
    { name: 'orders-7d9f-b', labels: { app: 'orders', 'homeostat.io/traffic': 'serving' } },
  ];
  serviceSelector: Record<string, string> = { app: 'orders' };
  configMap: Record<string, string> = { CACHE_ENABLED: 'false' };
  lease: (Json & { spec: Json; metadata: Json }) | null = null;
  private rv = 1;
  private server!: Server;
  url = '';
  kubeconfig = '';

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
        const [status, out] = this.route(req, call);
        if (status === 404 && !call.path.includes('/leases/')) this.unexpected.push(call);
        res.writeHead(status, { 'content-type': 'application/json' });
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
contexts: [{ name: fake, context: { cluster: fake, user: remediator, namespace: shop } }]
current-context: fake
`,
    );
  }

  stop(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }

  /** Calls other than the lease traffic of leader election. */
  actionCalls(): Call[] {
    return this.calls.filter((c) => !c.path.includes('/leases'));
  }

  private scale(): Json {
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'orders', namespace: 'shop', resourceVersion: String(this.rv) },
      spec: { replicas: this.replicas },
      status: { replicas: this.replicas, selector: 'app=orders' },
    };
  }
  private deployment(): Json {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'orders', namespace: 'shop', generation: this.rv },
      spec: {
        replicas: this.replicas,
        paused: this.paused,
        selector: { matchLabels: { app: 'orders' } },
        template: {
          metadata: { labels: { app: 'orders' }, annotations: this.annotations },
          spec: { containers: [{ name: 'app', image: 'x' }] },
        },
      },
    };
  }
  private hpaObj(): Json {
    return {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'orders-hpa', namespace: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders' },
        minReplicas: this.hpa?.minReplicas,
        maxReplicas: this.hpa?.maxReplicas,
      },
    };
  }

  private route(req: IncomingMessage, c: Call): [number, unknown] {
    const u = new URL(c.path, this.url);
    const p = u.pathname;
    const m = c.method;
    const merge = c.contentType === 'application/merge-patch+json';
    const b = c.body as Json;
    const apps = '/apis/apps/v1/namespaces/shop/deployments/orders';
    if (p === `${apps}/scale` && m === 'GET') return [200, this.scale()];
    if (p === `${apps}/scale` && m === 'PATCH' && merge) {
      this.replicas = (b.spec as Json).replicas as number;
      this.rv++;
      return [200, this.scale()];
    }
    if (p === apps && m === 'GET') return [200, this.deployment()];
    if (p === apps && m === 'PATCH' && merge) {
      const ann = (((b.spec as Json).template as Json).metadata as Json).annotations as Record<
        string,
        string
      >;
      Object.assign(this.annotations, ann);
      this.rv++;
      return [200, this.deployment()];
    }
    if (p === '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers' && m === 'GET') {
      return [
        200,
        {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscalerList',
          metadata: {},
          items: this.hpa ? [this.hpaObj()] : [],
        },
      ];
    }
    if (
      p === '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/orders-hpa' &&
      m === 'PATCH' &&
      this.hpa &&
      c.contentType === 'application/json-patch+json'
    ) {
      for (const op of c.body as { op: string; path: string; value: number }[]) {
        if (op.path !== '/spec/minReplicas') return [422, { kind: 'Status', code: 422, message: 'bad path' }];
        if (op.op === 'test' && op.value !== this.hpa.minReplicas)
          return [422, { kind: 'Status', code: 422, message: 'test failed' }];
        if (op.op === 'replace') this.hpa.minReplicas = op.value;
      }
      return [200, this.hpaObj()];
    }
    if (p === '/api/v1/namespaces/shop/pods' && m === 'GET') {
      const sel = u.searchParams.get('labelSelector') ?? '';
      const want = Object.fromEntries(
        sel
          .split(',')
          .filter(Boolean)
          .map((kv) => kv.split('=')),
      );
      const items = this.pods.filter((x) => Object.entries(want).every(([k, v]) => x.labels[k] === v));
      return [
        200,
        {
          apiVersion: 'v1',
          kind: 'PodList',
          metadata: {},
          items: items.map((x) => ({
            metadata: { name: x.name, namespace: 'shop', labels: x.labels },
            status: { phase: 'Running' },
          })),
        },
      ];
    }
    const pod = /^\/api\/v1\/namespaces\/shop\/pods\/([^/]+)$/.exec(p);
    if (pod && m === 'PATCH' && merge) {
      const x = this.pods.find((q) => q.name === pod[1]);
      if (!x) return [404, { kind: 'Status', code: 404 }];
      for (const [k, v] of Object.entries((b.metadata as Json).labels as Record<string, string | null>)) {
        if (v === null) delete x.labels[k];
        else x.labels[k] = v;
      }
      return [200, { metadata: { name: x.name, namespace: 'shop', labels: x.labels } }];
    }
    const svc = '/api/v1/namespaces/shop/services/orders';
    if (p === svc && m === 'GET')
      return [
        200,
        { metadata: { name: 'orders', namespace: 'shop' }, spec: { selector: this.serviceSelector } },
      ];
    if (p === svc && m === 'PATCH' && merge) {
      for (const [k, v] of Object.entries((b.spec as Json).selector as Record<string, string | null>)) {
        if (v === null) delete this.serviceSelector[k];
        else this.serviceSelector[k] = v;
      }
      return [200, { metadata: { name: 'orders' }, spec: { selector: this.serviceSelector } }];
    }
    const cm = '/api/v1/namespaces/shop/configmaps/orders-homeostat';
    if (p === cm && m === 'GET')
      return [200, { metadata: { name: 'orders-homeostat' }, data: this.configMap }];
    if (p === cm && m === 'PATCH' && merge) {
      for (const [k, v] of Object.entries(b.data as Record<string, string | null>)) {
        if (v === null) delete this.configMap[k];
        else this.configMap[k] = v;
      }
      return [200, { metadata: { name: 'orders-homeostat' }, data: this.configMap }];
    }
    const leases = '/apis/coordination.k8s.io/v1/namespaces/homeostat/leases';
    if (p === `${leases}/homeostat-remediator` && m === 'GET') {
      return this.lease ? [200, this.lease] : [404, { kind: 'Status', code: 404, reason: 'NotFound' }];
    }
    if (p === leases && m === 'POST') {
      if (this.lease) return [409, { kind: 'Status', code: 409, reason: 'AlreadyExists' }];
      this.lease = {
        ...(b as Json),
        metadata: { ...((b.metadata as Json) ?? {}), resourceVersion: String(++this.rv) },
      } as FakeKube['lease'];
      return [201, this.lease];
    }
    if (p === `${leases}/homeostat-remediator` && m === 'PUT') {
      if (!this.lease || (b.metadata as Json).resourceVersion !== this.lease.metadata.resourceVersion)
        return [409, { kind: 'Status', code: 409, reason: 'Conflict' }];
      this.lease = {
        ...(b as Json),
        metadata: { ...(b.metadata as Json), resourceVersion: String(++this.rv) },
      } as FakeKube['lease'];
      return [200, this.lease];
    }
    return [404, { kind: 'Status', code: 404, message: `not implemented: ${m} ${p}` }];
  }
}
