import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RemediatorError } from '../errors';
import { compilePolicy, loadPolicyFile } from './load-policy';
import { matchRule } from './match';

const rule = (over: Record<string, unknown> = {}) => ({
  name: 'r',
  match: { alertname: 'A' },
  target: { actuator: 'docker', kind: 'compose-service', name: '{{service}}' },
  allow: ['*'],
  ladder: [{ action: 'restart' }],
  ...over,
});

describe('compilePolicy', () => {
  it('applies defaults: cooldown 60 s, params defaults per action', () => {
    const p = compilePolicy({ rules: [rule({ ladder: [{ action: 'scale_out' }, { action: 'restart' }] })] });
    expect(p.rules[0]).toMatchObject({
      cooldownSeconds: 60,
      maxAttempts: 3,
      dryRun: false,
      approvalRequired: false,
    });
    expect(p.rules[0]!.ladder).toEqual([
      { action: 'scale_out', params: { by: 1 } },
      { action: 'restart', params: { graceSeconds: 10 } },
    ]);
    expect(p.killSwitch).toBe(false);
  });

  it("accepts a restart's worstFirst query (process groups rank a roll by it)", () => {
    const q = 'sum by (instance) (rate(errors{service="{{service}}"}[15s]))';
    const p = compilePolicy({ rules: [rule({ ladder: [{ action: 'restart', params: { worstFirst: q } }] })] });
    expect(p.rules[0]!.ladder[0]!.params).toEqual({ graceSeconds: 10, worstFirst: q });
  });

  it("merges a rule's verify: with the policy's defaults instead of resetting the rest to built-ins", () => {
    const p = compilePolicy({
      defaults: { verify: { timeoutSeconds: 180, stableSeconds: 20 } },
      rules: [rule({ verify: { scoreQuery: '' } }), rule({ name: 'plain' })],
    });
    expect(p.rules[0]!.verify).toMatchObject({ timeoutSeconds: 180, stableSeconds: 20, scoreQuery: '' });
    expect(p.rules[1]!.verify).toMatchObject({ timeoutSeconds: 180, stableSeconds: 20 });
    expect(p.rules[1]!.verify.scoreQuery).toMatch(/homeostat_anomaly_score/);
    expect(() => compilePolicy({ rules: [rule({ verify: { timeoutSeconds: 0 } })] })).toThrow(
      /rules\.0\.verify\.timeoutSeconds/,
    );
  });

  it.each([
    ['rules', {}],
    ['rules.0.ladder.0.action', { rules: [rule({ ladder: [{ action: 'reboot' }] })] }],
    [
      'rules.0.ladder.0.params.by',
      { rules: [rule({ ladder: [{ action: 'scale_out', params: { by: 0 } }] })] },
    ],
    [
      'rules.0.ladder.0.params.worstFirst',
      { rules: [rule({ ladder: [{ action: 'restart', params: { worstFirst: 3 } }] })] },
    ],
    [
      'rules.0.ladder.0.params.bogus',
      { rules: [rule({ ladder: [{ action: 'restart', params: { bogus: 1 } }] })] },
    ],
    ['rules.0.allow', { rules: [rule({ allow: [] })] }],
    ['rules.0.cooldownSeconds', { rules: [rule({ cooldownSeconds: -1 })] }],
    ['rules.0.target.actuator', { rules: [rule({ target: { actuator: 'ssh', kind: 'x', name: 'y' } })] }],
    ['rules.0.matchRe.service', { rules: [rule({ matchRe: { service: '(' } })] }],
    ['rules.0.replicas.min', { rules: [rule({ replicas: { min: 5, max: 2 } })] }],
    ['rules.1.name', { rules: [rule(), rule()] }],
    [
      'defaults.budget.windowSeconds',
      { defaults: { budget: { maxActions: 1, windowSeconds: 0 } }, rules: [rule()] },
    ],
    ['rules.0.cooldown', { rules: [rule({ cooldown: 5 })] }],
  ])('names the key %s in the error', (field, raw) => {
    expect.assertions(2);
    try {
      compilePolicy(raw);
    } catch (e) {
      expect(e).toBeInstanceOf(RemediatorError);
      expect((e as RemediatorError).field).toBe(field);
    }
  });

  it('loads the shipped example policy', () => {
    const p = loadPolicyFile(join(__dirname, '..', '..', 'examples', 'policy.yml'));
    expect(p.rules.map((r) => [r.name, r.ladder[0]!.action])).toEqual([
      ['cpu-saturation', 'scale_out'],
      ['latency', 'shift_traffic'],
      ['errors', 'restart'],
      ['target-down', 'restart'],
    ]);
  });

  it('the shipped Kubernetes policy restarts for latency at the same demand, and scales out when demand or CPU rose or nothing tells', () => {
    const cm = parse(readFileSync(join(__dirname, '..', '..', '..', 'k8s', 'base', 'remediator', 'configmap.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    const p = compilePolicy(parse(cm.data['policy.yml']!));
    const labels = { alertname: 'HomeostatAnomaly', remediate: 'true', service: 'orders' };
    const first = (features: string | undefined) => {
      const r = matchRule(p, labels, { top_feature: 'latency_p95', ...(features !== undefined ? { features } : {}) });
      return [r?.name, r?.ladder[0]?.action];
    };
    expect(first('latency_p95')).toEqual(['latency-same-demand', 'restart']);
    expect(first('latency_p95,error_ratio')).toEqual(['latency-same-demand', 'restart']);
    expect(first('latency_p95,request_rate')).toEqual(['latency', 'scale_out']);
    expect(first('request_rate,latency_p95')).toEqual(['latency', 'scale_out']);
    expect(first('latency_p95,cpu')).toEqual(['latency', 'scale_out']);
    // a feature whose name only starts like a demand feature is not one
    expect(first('latency_p95,cpu_throttle')).toEqual(['latency-same-demand', 'restart']);
    // rules without the annotation, or a score spread too thin to name any feature
    expect(first(undefined)).toEqual(['latency', 'scale_out']);
    expect(first('')).toEqual(['latency', 'scale_out']);
  });
});
