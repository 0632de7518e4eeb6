import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '@homeostat/contracts';
import { issuePath } from '@homeostat/contracts';
import type { z } from 'zod';
import { DetectorError } from '../../errors';

/** Parses input with a zod schema; the first issue becomes a 400 INVALID_INPUT naming its field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, prefix?: string): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issuePath(issue.path);
  const field = [prefix, path].filter(Boolean).join('.') || undefined;
  throw new DetectorError(
    'INVALID_INPUT',
    `${field ?? 'input'}: ${issue.message}`,
    field === undefined ? {} : { field },
  );
}

/**
 * The one place errors become HTTP: DetectorError keeps its code/status/field, fastify's own
 * errors (malformed JSON, wrong content type, body too large) become 4xx with a stable code, and
 * anything else is a 500 INTERNAL whose detail goes to the log, not to the client.
 */
export function toHttpError(err: unknown): { status: number; body: ApiError } {
  if (err instanceof DetectorError) return { status: err.statusCode, body: err.toJSON() };
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'UNSUPPORTED_MEDIA_TYPE'
        : fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'BODY_TOO_LARGE'
          : 'INVALID_INPUT';
    return { status: fe.statusCode, body: { code, message: fe.message ?? 'bad request', field: 'body' } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error' } };
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(err);
  if (status >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ code: body.code, field: body.field }, 'request rejected');
  void reply.status(status).send(body);
}
