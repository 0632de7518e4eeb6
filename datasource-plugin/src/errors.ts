/** Why a call to the detector or remediator failed, as a user can act on it. */
export const ERROR_CODES = [
  'NOT_CONFIGURED',
  'UNREACHABLE',
  'UNAUTHORISED',
  'ROUTE_DENIED',
  'WRONG_VERSION',
  'BAD_QUERY',
  'UPSTREAM_ERROR',
  'CANCELLED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The datasource's one coded error; its message is what Grafana shows in the panel or the config page. */
export class HomeostatPluginError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly statusCode?: number,
    readonly field?: string,
    override readonly cause?: unknown
  ) {
    super(message);
    this.name = 'HomeostatPluginError';
  }
}
