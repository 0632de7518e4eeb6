/** Stable error codes of @homeostat/chaos; the CLI prints `code: message` and exits non-zero. */
export const ChaosErrorCode = [
  'INVALID_EXPERIMENT',
  'UNKNOWN_SCENARIO',
  'INVALID_ARGUMENT',
  'NOT_BUILT',
  'STACK_START_FAILED',
  'ADMIN_API_FAILED',
  'PROMETHEUS_QUERY_FAILED',
  'INVALID_JTL',
  'INVALID_RECORDING',
] as const;
export type ChaosErrorCode = (typeof ChaosErrorCode)[number];

export class ChaosError extends Error {
  readonly code: ChaosErrorCode;
  /** Dotted key path of the offending input (experiment key, CLI flag, CSV column). */
  readonly field?: string;
  /** Exit status of the CLI; 2 for bad input, 1 for failures while running. */
  readonly statusCode: number;
  override readonly cause?: unknown;

  constructor(code: ChaosErrorCode, message: string, opts: { field?: string; cause?: unknown; statusCode?: number } = {}) {
    super(message);
    this.name = 'ChaosError';
    this.code = code;
    this.field = opts.field;
    this.cause = opts.cause;
    this.statusCode = opts.statusCode ?? (code.startsWith('INVALID') || code === 'UNKNOWN_SCENARIO' ? 2 : 1);
  }
}
