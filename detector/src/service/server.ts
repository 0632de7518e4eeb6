import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AccessCheck } from './api/access-control';
import type { ApiContext } from './api/context';
import { detectorsRoutes } from './api/detectors-routes';
import { eventsRoutes } from './api/events-routes';
import { healthRoutes } from './api/health-routes';
import { errorHandler } from './api/http-errors';
import { scoreRoutes } from './api/score-routes';
import { tracesRoutes } from './api/traces-routes';
import { DetectorError } from '../errors';
import { openApiDocument } from './openapi';

/**
 * The detector's HTTP edge: REST API, OpenAPI, health and metrics on one fastify instance. `access`
 * checks each request's credential against what its route declares, before the body is read.
 */
export function buildServer(
  ctx: ApiContext,
  log: Logger,
  version: string,
  access: AccessCheck,
): FastifyInstance {
  // Scrapes and probes arrive every few seconds; logging each would drown the API's request logs.
  const quiet = new Set(['/metrics', '/healthz', '/readyz']);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    logController: new LogController({ disableRequestLogging: (req) => quiet.has(req.url.split('?')[0]) }),
  });
  app.setErrorHandler(errorHandler);
  // Fail closed: a route that does not say who may call it is a bug caught at start-up, not an open door.
  app.addHook('onRoute', (r) => {
    if (r.config?.access === undefined) throw new Error(`route ${r.method} ${r.url} declares no access`);
  });
  app.addHook('onRequest', async (req) => {
    if (req.is404) return;
    access(req.headers.authorization, req.routeOptions.config.access ?? 'read');
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new DetectorError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    void reply.status(404).send(e.toJSON());
  });
  const doc = openApiDocument(version);
  app.get('/openapi.json', { config: { access: 'open' } }, async () => doc);
  healthRoutes(app, ctx);
  detectorsRoutes(app, ctx);
  scoreRoutes(app, ctx);
  eventsRoutes(app, ctx);
  tracesRoutes(app, ctx);
  return app;
}
