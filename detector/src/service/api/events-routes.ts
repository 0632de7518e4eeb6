import type { FastifyInstance } from 'fastify';
import { EventsQuery, type EventsResponse } from '@homeostat/contracts';
import { DetectorError } from '../../errors';
import type { ApiContext } from './context';
import { parseInput } from './http-errors';

/** GET /api/v1/events?from&to&detector&key: anomaly events overlapping [from, to] (Unix ms). */
export function eventsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/events', { config: { access: 'read' } }, async (req): Promise<EventsResponse> => {
    const q = parseInput(EventsQuery, req.query);
    if (q.to < q.from)
      throw new DetectorError('INVALID_INPUT', 'to must not be before from', { field: 'to' });
    return { events: ctx.events.list(q) };
  });
}
