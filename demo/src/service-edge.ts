import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import { checkBearer } from './admin-auth';
import { ActiveUsers, AvailabilityWindow } from './business-metrics';
import { toApiError } from './errors';
import type { DemoRegistry, HttpMetrics } from './metrics';
import type { Span } from '@opentelemetry/api';
import type { Tracing } from './tracing';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span (a child of the caller's when it sent `traceparent`). */
    span: Span;
    startedAtMs: number;
    /** Low-cardinality route label for metrics; set by handlers whose URL pattern is too coarse. */
    metricsRoute?: string;
    /** Set when the request has already been counted (the gateway's dropped connections). */
    metricsRecorded?: boolean;
  }
}

export interface EdgeOptions {
  service: string;
  log: Logger;
  registry: DemoRegistry;
  http: HttpMetrics;
  tracing: Tracing;
  adminToken: string;
  openapi: object;
  /** Readiness beyond "the server listens", e.g. the gateway has an upstream. */
  ready?: () => boolean;
  /** Refreshes gauges that are sampled at scrape time (pool usage, cache size). */
  beforeScrape?: () => void;
}

export interface Edge {
  app: FastifyInstance;
  /** Counts a request outcome in the request/latency/availability metrics and exports its span. */
  record(req: FastifyRequest, code: number): void;
  /**
   * Exports the route's failure series at 0 before its first failure (see FAILURE_CODES). The
   * backends call it for their operations; the gateway's routes are its upstreams' names, known
   * only as they register, and its failures are the symptoms of a backend's anyway.
   */
  initialiseRoute(method: string, route: string): void;
  users: ActiveUsers;
  availability: AvailabilityWindow;
}

/**
 * The 5xx codes a demo service answers by itself: 500 (an unhandled error, the errors fault's
 * default), 503 (no worker or database connection free in time) and 599 (the connection reset by
 * the packet-loss fault). Prometheus' `rate()` cannot count a counter's first sample, so a series
 * that appears with the first failure hides that failure and the next second's from every rate;
 * exporting them at 0 from the start, as Prometheus' instrumentation guide asks for label values
 * known in advance, lets the error ratio rise with the first failed scrape instead of two later.
 */
const FAILURE_CODES = ['500', '503', '599'] as const;

// Requests to these paths are the platform's, not user traffic: they stay out of the RED metrics.
const INTERNAL = /^\/(metrics|healthz|readyz|openapi\.json|admin)(\/|$|\?)/;

/**
 * The HTTP edge every demo service shares: JSON logs with the trace id, RED metrics with
 * exemplars, business gauges, /metrics, /healthz, /readyz, /openapi.json, the bearer-protected
 * /admin prefix and the one error-to-HTTP mapping.
 */
export function createEdge(opts: EdgeOptions): Edge {
  const { service, http, tracing } = opts;
  const app = Fastify({
    loggerInstance: opts.log as FastifyBaseLogger,
    // one line per request would drown the logs under load; failures are logged in record()
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
  });
  const users = new ActiveUsers();
  const availability = new AvailabilityWindow();

  app.decorateRequest('span', null as unknown as Span);
  app.decorateRequest('startedAtMs', 0);

  app.addHook('onRequest', async (req) => {
    req.startedAtMs = performance.timeOrigin + performance.now();
    req.span = tracing.startServerSpan(req.headers, req.startedAtMs);
    const { traceId, spanId } = req.span.spanContext();
    req.log = req.log.child({ trace_id: traceId, span_id: spanId });
    if (INTERNAL.test(req.url)) {
      if (req.url.startsWith('/admin')) checkBearer(req.headers.authorization, opts.adminToken);
      return;
    }
    const header = req.headers['x-user-id'];
    // without a user id, a client connection stands for one user session
    const user =
      (Array.isArray(header) ? header[0] : header) ?? `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    users.seen(user);
  });

  const record = (req: FastifyRequest, code: number): void => {
    if (req.metricsRecorded || INTERNAL.test(req.url)) return;
    req.metricsRecorded = true;
    const endMs = performance.timeOrigin + performance.now();
    const route = req.metricsRoute ?? req.routeOptions.url ?? 'unmatched';
    const labels = { service, method: req.method, route, code: String(code) };
    http.requests.inc(labels);
    http.duration.observe({
      labels,
      value: (endMs - req.startedAtMs) / 1000,
      exemplarLabels: traceExemplar(req.span.spanContext().traceId),
    });
    availability.record(code < 500);
    tracing.end(req.span, {
      name: `${req.method} ${route}`,
      endMs,
      error: code >= 500,
      attributes: {
        'http.request.method': req.method,
        'http.route': route,
        'http.response.status_code': code,
        'service.name': service,
      },
    });
    if (code >= 500) req.log.warn({ route, code, ms: Math.round(endMs - req.startedAtMs) }, 'request failed');
  };

  app.addHook('onResponse', async (req, reply) => record(req, reply.statusCode));
  // a client that gives up is not a server failure: nginx's 499 "client closed request"
  app.addHook('onRequestAbort', async (req) => record(req, 499));

  app.setErrorHandler((err, req, reply: FastifyReply) => {
    const { statusCode, body } = toApiError(err);
    if (statusCode >= 500 && body.code === 'INTERNAL') req.log.error({ err }, 'unhandled error');
    void reply.code(statusCode).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  const initialiseRoute = (method: string, route: string): void => {
    for (const code of FAILURE_CODES) {
      const labels = { service, method, route, code };
      http.requests.inc(labels, 0);
      http.duration.zero(labels);
    }
  };

  app.get('/metrics', async (_req, reply) => {
    http.activeUsers.set({ service }, users.count());
    http.availability.set({ service }, availability.ratio());
    opts.beforeScrape?.();
    void reply.header('content-type', opts.registry.contentType);
    return opts.registry.metrics();
  });
  app.get('/healthz', async () => ({ status: 'ok', service }));
  app.get('/readyz', async (_req, reply) => {
    const ok = opts.ready ? opts.ready() : true;
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', service });
  });
  app.get('/openapi.json', async () => opts.openapi);
  app.addHook('onClose', async () => tracing.shutdown());

  return { app, record, initialiseRoute, users, availability };
}

/**
 * prom-client types exemplar labels with the metric's own label names; the exemplar label
 * `trace_id` is deliberately not one of them (it would explode cardinality), hence the cast.
 */
function traceExemplar(traceId: string): Partial<Record<'service' | 'method' | 'route' | 'code', string>> {
  return { trace_id: traceId } as Partial<Record<string, string>>;
}
