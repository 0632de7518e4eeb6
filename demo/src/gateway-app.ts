import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DemoError } from './errors';
import { FaultScheduler, type FaultDefinition } from './fault-scheduler';
import { PacketLossParams } from './faults/request-faults';
import { splitAssignment, type GatewayConfig } from './gateway-config';
import { createRegistry, gatewayMetrics, httpMetrics } from './metrics';
import { gatewayOpenApi } from './openapi';
import type { Tracing } from './tracing';
import { createEdge } from './service-edge';
import { watchDns, watchUpstreamsFile, type Discovery } from './upstream-discovery';
import { forward, forwardableHeaders, UpstreamConnectError } from './upstream-proxy';
import { UpstreamRegistry } from './upstream-registry';

export interface GatewayDeps {
  log: Logger;
  adminToken: string;
  tracing: Tracing;
  random?: () => number;
}

export interface Gateway {
  app: FastifyInstance;
  upstreams: UpstreamRegistry;
  scheduler: FaultScheduler;
  close(): Promise<void>;
}

const UrlBody = z.object({ url: z.string().min(1) });
const WeightsBody = z.object({ weights: z.record(z.string(), z.number()) });
const MAX_ATTEMPTS = 3;

/** Builds the gateway (not yet listening): routing, discovery, packet-loss fault, admin API. */
export async function createGateway(config: GatewayConfig, deps: GatewayDeps): Promise<Gateway> {
  const service = 'gateway';
  const random = deps.random ?? Math.random;
  const registry = createRegistry(service);
  const http = httpMetrics(registry);
  const gm = gatewayMetrics(registry);
  const upstreams = new UpstreamRegistry();

  const staticUrls: Record<string, string[]> = {};
  for (const a of config.upstream) {
    const [svc, url] = splitAssignment(a);
    (staticUrls[svc] ??= []).push(url);
  }
  upstreams.applySource('static', staticUrls);
  const discoveries: Discovery[] = [];
  if (config.upstreamsFile)
    discoveries.push(
      await watchUpstreamsFile(config.upstreamsFile, upstreams, deps.log, config.fileIntervalMs),
    );
  if (config.dns.length > 0) {
    const targets = config.dns.map((a) => {
      const [svc, hostPort] = splitAssignment(a);
      const i = hostPort.lastIndexOf(':');
      return { service: svc, host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) };
    });
    discoveries.push(watchDns(targets, upstreams, deps.log, config.dnsIntervalMs));
  }

  let lossRatio = 0;
  const packetLoss: FaultDefinition<PacketLossParams> = {
    name: 'packet-loss',
    params: PacketLossParams,
    defaultDurationSeconds: 60,
    maxDurationSeconds: 600,
    start({ ratio }) {
      lossRatio = ratio;
      return { stop: () => void (lossRatio = 0) };
    },
  };
  const scheduler = new FaultScheduler(new Map([['packet-loss', packetLoss as FaultDefinition<never>]]), {
    onChange: (fault, active) => {
      http.faultActive.set({ service, fault }, active ? 1 : 0);
      deps.log.warn({ fault, active }, active ? 'fault started' : 'fault stopped');
    },
  });
  http.faultActive.set({ service, fault: 'packet-loss' }, 0);

  const edge = createEdge({
    service,
    log: deps.log,
    registry,
    http,
    tracing: deps.tracing,
    adminToken: deps.adminToken,
    openapi: gatewayOpenApi(),
    ready: () => upstreams.services().some((s) => upstreams.get(s)!.size > 0),
    beforeScrape() {
      gm.upstreams.reset();
      gm.upstreamWeight.reset();
      for (const s of upstreams.services()) {
        const pool = upstreams.get(s)!;
        gm.upstreams.set({ service: s }, pool.inRotation());
        for (const r of pool.list()) gm.upstreamWeight.set({ service: s, upstream: r.url }, r.weight);
      }
    },
  });
  const { app } = edge;

  const proxy = async (
    req: FastifyRequest<{ Params: { service: string; '*'?: string } }>,
    reply: FastifyReply,
  ) => {
    const svc = req.params.service;
    const pool = upstreams.get(svc);
    req.metricsRoute = pool ? `/api/${svc}` : 'unmatched';
    if (lossRatio > 0 && random() < lossRatio) {
      // packet loss as the client sees it: the connection is reset, no HTTP answer at all
      gm.dropped.inc({ service: svc });
      edge.record(req, 599);
      reply.hijack();
      req.raw.socket.resetAndDestroy();
      return;
    }
    if (!pool)
      throw new DemoError(
        'UNKNOWN_SERVICE',
        `no service "${svc}"; known: ${upstreams.services().join(', ')}`,
        404,
        'service',
      );
    const tried = new Set<string>();
    const headers = forwardableHeaders(req.headers);
    // the backend's span becomes a child of the gateway's server span
    deps.tracing.inject(req.span, headers);
    headers['x-forwarded-for'] = req.ip;
    // backends count active users by this header; the client's connection stands in when absent
    headers['x-user-id'] ??= `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    let lastError: UpstreamConnectError | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const url = pool.pick(tried);
      if (!url) break;
      tried.add(url);
      const started = performance.now();
      try {
        const res = await forward(url, {
          method: req.method,
          path: req.url.slice(1),
          headers,
          body,
          timeoutMs: config.upstreamTimeoutMs,
        });
        gm.upstreamRequests.inc({ service: svc, upstream: url, code: String(res.status) });
        gm.upstreamDuration.observe({ service: svc, upstream: url }, (performance.now() - started) / 1000);
        const ct = res.headers['content-type'];
        if (ct) void reply.header('content-type', ct);
        void reply.header('x-upstream', url);
        return reply.code(res.status).send(res.body);
      } catch (e) {
        if (!(e instanceof UpstreamConnectError)) throw e;
        lastError = e;
        gm.upstreamRequests.inc({ service: svc, upstream: url, code: '0' });
        gm.upstreamDuration.observe({ service: svc, upstream: url }, (performance.now() - started) / 1000);
        if (e.refused) pool.eject(url, config.ejectMs);
        req.log.warn({ upstream: url, err: e.message }, 'upstream failed');
        // only a request that never arrived, or an idempotent one, may go to another replica
        if (e.timedOut || (!e.refused && req.method !== 'GET' && req.method !== 'HEAD')) break;
      }
    }
    if (!lastError) throw new DemoError('NO_UPSTREAM', `no replica of "${svc}" in rotation`, 503, 'service');
    if (lastError.timedOut) throw new DemoError('UPSTREAM_FAILED', `${svc}: ${lastError.message}`, 504);
    throw new DemoError('UPSTREAM_FAILED', `${svc}: ${lastError.message}`, 502);
  };

  // proxied bodies pass through untouched: this scope parses every content type as raw bytes
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.all('/api/:service', proxy);
    scope.all('/api/:service/*', proxy);
  });

  const parse = <T>(schema: z.ZodType<T>, body: unknown, hint: string): T => {
    const r = schema.safeParse(body);
    if (!r.success) {
      const issue = r.error.issues[0];
      const field = issue.path.map(String).join('.') || undefined;
      throw new DemoError(
        'BAD_REQUEST',
        `body must be ${hint}: ${field ?? 'body'}: ${issue.message}`,
        400,
        field,
      );
    }
    return r.data;
  };
  type SvcReq = FastifyRequest<{ Params: { service: string } }>;

  app.get('/admin/upstreams', async () => ({ services: upstreams.snapshot() }));
  app.post('/admin/upstreams/:service', async (req: SvcReq, reply) => {
    const { url } = parse(UrlBody, req.body, '{ "url": "http://host:port" }');
    const replica = upstreams.ensure(req.params.service).add(url, 'admin');
    deps.log.warn({ target: req.params.service, url: replica.url }, 'upstream added');
    return reply
      .code(201)
      .send({ service: req.params.service, replica, replicas: upstreams.get(req.params.service)!.list() });
  });
  app.delete('/admin/upstreams/:service', async (req: SvcReq) => {
    const { url } = parse(UrlBody, req.body, '{ "url": "http://host:port" }');
    const pool = upstreams.get(req.params.service);
    if (!pool) throw new DemoError('UNKNOWN_SERVICE', `no service "${req.params.service}"`, 404, 'service');
    if (!pool.remove(url))
      throw new DemoError('UNKNOWN_UPSTREAM', `${url} is not a replica of ${req.params.service}`, 404, 'url');
    deps.log.warn({ target: req.params.service, url }, 'upstream removed');
    return { service: req.params.service, replicas: pool.list() };
  });
  app.post('/admin/weights/:service', async (req: SvcReq) => {
    const { weights } = parse(WeightsBody, req.body, '{ "weights": { "<url>": number } }');
    const pool = upstreams.get(req.params.service);
    if (!pool) throw new DemoError('UNKNOWN_SERVICE', `no service "${req.params.service}"`, 404, 'service');
    pool.setWeights(weights);
    deps.log.warn({ target: req.params.service, weights }, 'weights set');
    return { service: req.params.service, replicas: pool.list() };
  });
  app.get('/admin/faults', async () => scheduler.list());
  app.post('/admin/faults/:fault', async (req: FastifyRequest<{ Params: { fault: string } }>, reply) =>
    reply.code(201).send(await scheduler.start(req.params.fault, req.body ?? {})),
  );
  app.delete('/admin/faults/:fault', async (req: FastifyRequest<{ Params: { fault: string } }>) =>
    scheduler.stop(req.params.fault),
  );

  return {
    app,
    upstreams,
    scheduler,
    async close() {
      for (const d of discoveries) d.stop();
      await scheduler.stopAll();
      await app.close();
    },
  };
}
