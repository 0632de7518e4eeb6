/** The deploy checks' one coded error: a tool that is missing or a file that cannot be read. */
export type DeployErrorCode = 'TOOL_MISSING' | 'TOOL_FAILED' | 'FILE_INVALID' | 'SCHEMA_MISSING';

export class DeployError extends Error {
  readonly code: DeployErrorCode;
  readonly field?: string;

  constructor(code: DeployErrorCode, message: string, opts: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'DeployError';
    this.code = code;
    this.field = opts.field;
  }
}
