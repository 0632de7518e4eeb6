/**
 * The remediator's one coded error type. `code` is stable UPPER_SNAKE (clients switch on it),
 * `statusCode` is what the HTTP edge answers, `field` names the offending input as a dotted path.
 */
export const ErrorCodes = {
  VALIDATION_FAILED: 400,
  BODY_NOT_JSON: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  POLICY_INVALID: 400,
  CONFIG_INVALID: 400,
  KILL_SWITCH_ENGAGED: 409,
  TARGET_UNRESOLVED: 422,
  ACTION_UNSUPPORTED: 422,
  ACTUATOR_FAILED: 502,
  PERSISTENCE_FAILED: 503,
  OVERLOADED: 503,
  /** A Lease follower (SQLite state): not ready, and webhooks go to the leader (Alertmanager retries). */
  NOT_LEADER: 503,
  INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof ErrorCodes;

export class RemediatorError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly field?: string;

  constructor(code: ErrorCode, message: string, opts: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'RemediatorError';
    this.code = code;
    this.statusCode = ErrorCodes[code];
    if (opts.field !== undefined) this.field = opts.field;
  }
}
