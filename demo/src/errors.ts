import type { ApiError } from '@homeostat/contracts';

/** Stable error codes of the demo fleet; clients (the chaos runner) switch on these. */
export const DemoErrorCode = [
  'UNAUTHORIZED',
  'BAD_REQUEST',
  'NOT_FOUND',
  'UNKNOWN_FAULT',
  'UNKNOWN_SERVICE',
  'UNKNOWN_UPSTREAM',
  'FAULT_NOT_ACTIVE',
  'OVERLOADED',
  'POOL_TIMEOUT',
  'INJECTED_ERROR',
  'NO_UPSTREAM',
  'UPSTREAM_FAILED',
  'BAD_CONFIG',
  'INTERNAL',
] as const;
export type DemoErrorCode = (typeof DemoErrorCode)[number];

/** The one coded error of @homeostat/demo; mapped to HTTP once, in `toApiError`. */
export class DemoError extends Error {
  constructor(
    readonly code: DemoErrorCode,
    message: string,
    readonly statusCode = 400,
    readonly field?: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'DemoError';
  }
}

/** The edge mapping: any thrown value becomes a status and an ApiError body. */
export function toApiError(err: unknown): { statusCode: number; body: ApiError } {
  if (err instanceof DemoError) {
    const body: ApiError = { code: err.code, message: err.message };
    if (err.field !== undefined) body.field = err.field;
    return { statusCode: err.statusCode, body };
  }
  // fastify's own errors (bad JSON, body too large) carry a 4xx statusCode
  const e = err as { statusCode?: number; message?: string };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { statusCode: e.statusCode, body: { code: 'BAD_REQUEST', message: e.message ?? 'bad request' } };
  }
  return { statusCode: 500, body: { code: 'INTERNAL', message: e?.message ?? 'internal error' } };
}
