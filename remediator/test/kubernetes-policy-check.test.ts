import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@homeostat/testkit';
import { parse } from 'yaml';
import { compilePolicy } from '../src/policy/load-policy';
import { FakeRbac, SHIPPED_ROLE } from './support/fake-rbac';
import { withFakeKube } from './support/kube-harness';

jest.setTimeout(30_000);

const rule = (
  ladder: { action: string; params?: Record<string, unknown> }[],
  target: Record<string, unknown> = {},
) =>
  compilePolicy({
    rules: [
      {
        name: 'r',
        match: { alertname: 'HomeostatAnomaly' },
        target: { actuator: 'kubernetes', kind: 'deployment', name: 'orders', namespace: 'shop', ...target },
        allow: ['orders'],
        ladder,
      },
    ],
  });

describe('the policy loader refuses what the cluster or the shipped Role cannot do (validate)', () => {
  const k = withFakeKube({}, { unexpected: true, forbidden: true });

  it('accepts the shipped policy (k8s/base/remediator/configmap.yaml) under the shipped Role', async () => {
    const cm = parse(readFileSync(join(SHIPPED_ROLE, '..', 'configmap.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    await expect(k.act.validate(compilePolicy(parse(cm.data['policy.yml']!)))).resolves.toBeUndefined();
    expect(
      k.kube.calls.some((c) => c.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'),
    ).toBe(true);
    expect(k.kube.writes().filter((c) => !c.path.includes('selfsubjectaccessreviews'))).toEqual([]);
  });

  it('refuses, naming the step, an action the Role does not allow (asked with SelfSubjectAccessReview)', async () => {
    const file = join(makeTempDir('role'), 'role.yaml');
    const role = parse(readFileSync(SHIPPED_ROLE, 'utf8')) as { rules: { resources: string[] }[] };
    role.rules = role.rules.filter((r) => !r.resources.includes('pods/eviction'));
    writeFileSync(file, JSON.stringify(role));
    k.kube.rbac = new FakeRbac(file);
    await expect(k.act.validate(rule([{ action: 'restart' }, { action: 'isolate' }]))).rejects.toMatchObject({
      code: 'POLICY_INVALID',
      field: 'rules.0.ladder.1.action',
      message: expect.stringContaining('create core/pods/eviction'),
    });
  });

  it.each([
    ['cache_enable', [{ action: 'cache_enable' }], {}, 'rules.0.ladder.0.action'],
    [
      'a Service-selector shift',
      [{ action: 'shift_traffic', params: { selector: { track: 'stable' } } }],
      {},
      'rules.0.ladder.0.params.selector',
    ],
    ['shift_traffic without the Gateway API', [{ action: 'shift_traffic' }], {}, 'rules.0.ladder.0.action'],
    ['an unsupported kind', [{ action: 'restart' }], { kind: 'daemonset' }, 'rules.0.target.kind'],
    [
      'a target without namespace',
      [{ action: 'restart' }],
      { namespace: undefined },
      'rules.0.target.namespace',
    ],
    [
      'an isolation label in the Deployment selector',
      [{ action: 'isolate', params: { label: 'app' } }],
      {},
      'rules.0.ladder.0.params.label',
    ],
    [
      'an isolation label the Service does not select on',
      [{ action: 'isolate', params: { label: 'tier' } }],
      {},
      'rules.0.ladder.0.params.label',
    ],
  ])('refuses %s', async (_what, ladder, target, field) => {
    await expect(k.act.validate(rule(ladder, target))).rejects.toMatchObject({
      code: 'POLICY_INVALID',
      field,
    });
  });

  it('accepts shift_traffic where the Gateway API is served, and StatefulSets', async () => {
    k.kube.gatewayApi = true;
    await expect(
      k.act.validate(rule([{ action: 'shift_traffic' }, { action: 'restart' }])),
    ).resolves.toBeUndefined();
    await expect(
      k.act.validate(
        rule([{ action: 'scale_out' }, { action: 'restart' }], { kind: 'statefulset', name: 'ledger' }),
      ),
    ).resolves.toBeUndefined();
  });
});
