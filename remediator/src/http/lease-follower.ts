import type { FastifyInstance } from 'fastify';
import { RemediatorError } from '../errors';

/**
 * With SQLite state and a Kubernetes Lease every replica has its own database and only the Lease
 * holder acts, so a follower must take no work: it is not ready (the Service routes webhooks to the
 * leader only, also during a rolling update), and a webhook that reaches it anyway (its pod IP,
 * endpoints not updated yet) is answered 503, which Alertmanager retries, instead of being
 * accepted into a state no leader reads. PostgreSQL replicas share their state and all stay ready.
 */
export function refuseWorkOnLeaseFollower(app: FastifyInstance, isLeader: () => boolean): void {
  app.addHook('onRequest', async (req) => {
    if (isLeader()) return;
    const route = req.routeOptions.url ?? '';
    if (route === '/readyz' || (req.method === 'POST' && route.startsWith('/api/v1/alerts/')))
      throw new RemediatorError('NOT_LEADER', 'a Lease follower: only the leader takes webhooks', {
        field: 'leader',
      });
  });
}
