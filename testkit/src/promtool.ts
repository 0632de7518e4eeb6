import { execFileSync } from 'node:child_process';

/**
 * Runs Prometheus' `promtool` (check or test rules) and keeps its output either way: a failed
 * `promtool test rules` prints which alert differed at which eval time, and that output is what a
 * failing test should show.
 */
export function promtool(args: string[], cwd?: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('promtool', args, { cwd, stdio: 'pipe' }).toString() };
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer };
    return { ok: false, out: `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}` };
  }
}
