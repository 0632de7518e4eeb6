/**
 * The detector package's one coded error. `code` is stable UPPER_SNAKE (clients and tests switch on
 * it), `statusCode` is what the HTTP edge answers with, `field` names the offending input (a dotted
 * path, or `line 12` / `column cpu` for files) when the error is about one.
 */
export const DetectorErrorCode = [
  'INVALID_INPUT',
  'EMPTY_INPUT',
  'NON_FINITE_VALUE',
  'RAGGED_ROWS',
  'WRONG_WIDTH',
  'NOT_FITTED',
  'TIMESTAMP_NOT_INCREASING',
  'INVALID_OPTIONS',
  'INVALID_STATE',
  'INVALID_CONFIG',
  'INVALID_CSV',
  'IO_ERROR',
  'NOT_FOUND',
  'UPSTREAM_ERROR',
  'INVALID_QUERY',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'INTERNAL',
] as const;
export type DetectorErrorCode = (typeof DetectorErrorCode)[number];

export interface DetectorErrorOptions {
  statusCode?: number;
  field?: string;
  cause?: unknown;
}

const defaultStatus: Record<DetectorErrorCode, number> = {
  INVALID_INPUT: 400,
  EMPTY_INPUT: 400,
  NON_FINITE_VALUE: 400,
  RAGGED_ROWS: 400,
  WRONG_WIDTH: 400,
  NOT_FITTED: 409,
  TIMESTAMP_NOT_INCREASING: 400,
  INVALID_OPTIONS: 400,
  INVALID_STATE: 400,
  INVALID_CONFIG: 400,
  INVALID_CSV: 400,
  IO_ERROR: 500,
  NOT_FOUND: 404,
  UPSTREAM_ERROR: 502,
  /** The query API rejected a PromQL expression (HTTP 4xx / status error). */
  INVALID_QUERY: 400,
  /** No credential, or one the config does not hold (`field: authorization`). */
  UNAUTHORIZED: 401,
  /** A known credential of another role, e.g. a trace sender's token on a read. */
  FORBIDDEN: 403,
  INTERNAL: 500,
};

export class DetectorError extends Error {
  readonly code: DetectorErrorCode;
  readonly statusCode: number;
  readonly field?: string;
  override readonly cause?: unknown;

  constructor(code: DetectorErrorCode, message: string, options: DetectorErrorOptions = {}) {
    super(message);
    this.name = 'DetectorError';
    this.code = code;
    this.statusCode = options.statusCode ?? defaultStatus[code];
    if (options.field !== undefined) this.field = options.field;
    if (options.cause !== undefined) this.cause = options.cause;
  }

  /** The `{code, message, field}` body of an ApiError. */
  toJSON(): { code: string; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}
