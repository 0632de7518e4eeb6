import type { FastifyInstance } from 'fastify';
import { EntitiesResponse, type DetectorsResponse } from '@homeostat/contracts';
import { z } from 'zod';
import { DetectorError } from '../../errors';
import type { ApiContext } from './context';
import { parseInput } from './http-errors';

const EntitiesQuery = z.object({ detector: z.string().min(1).optional() }).strict();

/** GET /api/v1/detectors and GET /api/v1/entities?detector= */
export function detectorsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/detectors', { config: { access: 'read' } }, async (): Promise<DetectorsResponse> => ({
    detectors: ctx.detectors.map((d) => ({
      name: d.name,
      queries: d.queries,
      groupBy: d.groupBy,
      intervalSeconds: d.intervalSeconds,
      trainingWindowSeconds: d.trainingWindowSeconds,
      refitIntervalSeconds: d.refitIntervalSeconds,
      sensitivity: d.sensitivity,
      liveSince: ctx.liveSince(d.name),
    })),
  }));

  app.get('/api/v1/entities', { config: { access: 'read' } }, async (req): Promise<EntitiesResponse> => {
    const q = parseInput(EntitiesQuery, req.query);
    if (q.detector !== undefined && !ctx.detectors.some((d) => d.name === q.detector)) {
      throw new DetectorError('INVALID_INPUT', `unknown detector ${q.detector}`, { field: 'detector' });
    }
    return { entities: ctx.registry.info(q.detector) };
  });
}
