import type { FastifyInstance } from 'fastify';
import { ScoreRequest, type ScoreResponse } from '@homeostat/contracts';
import { replay } from '../replay';
import type { ApiContext } from './context';
import { parseInput } from './http-errors';

/** POST /api/v1/score: causal replay of a configured detector or ad-hoc PromQL over a range. */
export function scoreRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/api/v1/score', { config: { access: 'read' } }, async (req): Promise<ScoreResponse> =>
    replay(parseInput(ScoreRequest, req.body ?? undefined), ctx.replay),
  );
}
