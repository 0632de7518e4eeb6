import { spawnSync } from 'node:child_process';
import { DeployError } from './errors';

export interface ToolResult {
  status: number;
  /** stdout and stderr together (what a person running the tool would read) */
  output: string;
  stdout: string;
}

/**
 * Runs one of the real command-line checkers (promtool, amtool, docker-compose) and returns its exit
 * status with stdout+stderr; a missing binary is an error that names the package to install.
 */
export function runTool(bin: string, args: string[], opts: { cwd?: string; install?: string } = {}): ToolResult {
  const r = spawnSync(bin, args, { cwd: opts.cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new DeployError('TOOL_MISSING', `${bin} not found${opts.install ? `: install ${opts.install}` : ''}`, { cause: r.error });
  }
  if (r.error) throw new DeployError('TOOL_FAILED', `${bin} ${args.join(' ')}: ${r.error.message}`, { cause: r.error });
  return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

export function hasTool(bin: string): boolean {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return !(r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT');
}
