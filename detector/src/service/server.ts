import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiContext } from './api/context';
import { detectorsRoutes } from './api/detectors-routes';
import { eventsRoutes } from './api/events-routes';
import { healthRoutes } from './api/health-routes';
import { errorHandler } from './api/http-errors';
import { scoreRoutes } from './api/score-routes';
import { tracesRoutes } from './api/traces-routes';
import { DetectorError } from '../errors';
import { openApiDocument } from './openapi';

/** The detector's HTTP edge: REST API, OpenAPI, health and metrics on one fastify instance. */
export function buildServer(ctx: ApiContext, log: Logger, version: string): FastifyInstance {
  // Scrapes and probes arrive every few seconds; logging each would drown the API's request logs.
  const quiet = new Set(['/metrics', '/healthz', '/readyz']);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    logController: new LogController({ disableRequestLogging: (req) => quiet.has(req.url.split('?')[0]) }),
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    const e = new DetectorError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
    void reply.status(404).send(e.toJSON());
  });
  const doc = openApiDocument(version);
  app.get('/openapi.json', async () => doc);
  healthRoutes(app, ctx);
  detectorsRoutes(app, ctx);
  scoreRoutes(app, ctx);
  eventsRoutes(app, ctx);
  tracesRoutes(app, ctx);
  return app;
}
