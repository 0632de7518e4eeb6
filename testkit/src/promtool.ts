import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTempDir } from './daemon';

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

/** One `promtool test rules` case: input series at `interval` and the alerts expected at given times. */
export interface RuleTestCase {
  input_series: { series: string; values: string }[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: unknown[] }[];
}

/**
 * `promtool test rules` of a rules document (as parsed YAML) against one case, evaluated and
 * sampled every `intervalSeconds`, in a temp dir of its own.
 */
export function testRules(
  rules: unknown,
  test: RuleTestCase,
  intervalSeconds = 1,
): { ok: boolean; out: string } {
  const dir = makeTempDir('promtool-test');
  writeFileSync(join(dir, 'rules.yml'), stringify(rules));
  const interval = `${intervalSeconds}s`;
  writeFileSync(
    join(dir, 'test.yml'),
    stringify({ rule_files: ['rules.yml'], evaluation_interval: interval, tests: [{ interval, ...test }] }),
  );
  return promtool(['test', 'rules', 'test.yml'], dir);
}
