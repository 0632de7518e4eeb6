import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '@homeostat/contracts';
import { RemediatorError } from '../errors';

/**
 * The one place errors become HTTP: coded errors keep their status and field; fastify's own body
 * errors (bad JSON, too large, wrong content type) become coded 4xx naming `body`; anything else is
 * a 500 without internals.
 */
export function toApiError(err: unknown): { status: number; body: ApiError } {
  if (err instanceof RemediatorError) {
    return {
      status: err.statusCode,
      body: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) },
    };
  }
  const fe = err as Partial<FastifyError> & { message?: string };
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: { code: 'BODY_TOO_LARGE', message: 'request body exceeds the limit', field: 'body' },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 415,
        body: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/json', field: 'content-type' },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { code: 'BODY_NOT_JSON', message: 'empty JSON body', field: 'body' } };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        status: 400,
        body: { code: 'BODY_NOT_JSON', message: 'body is not valid JSON', field: 'body' },
      };
    default:
      break;
  }
  if (err instanceof SyntaxError || (fe.statusCode === 400 && /JSON/i.test(fe.message ?? ''))) {
    return { status: 400, body: { code: 'BODY_NOT_JSON', message: 'body is not valid JSON', field: 'body' } };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return {
      status: fe.statusCode,
      body: { code: 'VALIDATION_FAILED', message: fe.message ?? 'bad request', field: 'body' },
    };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'internal error' } };
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toApiError(err);
  if (status >= 500) req.log.error({ err }, 'request failed');
  void reply.code(status).send(body);
}
