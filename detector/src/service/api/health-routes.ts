import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context';

/** /healthz (the process serves), /readyz (serving: the query API answers; warm or not), /metrics. */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/healthz', { config: { access: 'open' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'open' } }, async (_req, reply) => {
    const r = await ctx.readiness();
    return reply.status(r.ready ? 200 : 503).send(r);
  });
  app.get('/metrics', { config: { access: 'open' } }, async (_req, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
}
