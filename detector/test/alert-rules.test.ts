import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@homeostat/testkit';

const rules = join(__dirname, '..', '..', 'provisioning', 'prometheus', 'rules', 'homeostat.yml');

function promtool(args: string[], cwd?: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('promtool', args, { cwd, stdio: 'pipe' }).toString() };
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer };
    return { ok: false, out: `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}` };
  }
}

describe('provisioning/prometheus/rules/homeostat.yml', () => {
  it('passes promtool check rules', () => {
    const r = promtool(['check', 'rules', rules]);
    expect(r.out).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });

  it('fires HomeostatAnomaly with service, severity, top_feature and remediate labels, and HomeostatTargetDown (promtool test rules)', () => {
    const dir = makeTempDir('rules-test');
    copyFileSync(rules, join(dir, 'homeostat.yml'));
    copyFileSync(
      join(__dirname, 'fixtures', 'homeostat-rules.test.yml'),
      join(dir, 'homeostat-rules.test.yml'),
    );
    const r = promtool(['test', 'rules', 'homeostat-rules.test.yml'], dir);
    expect(r.out).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });
});
