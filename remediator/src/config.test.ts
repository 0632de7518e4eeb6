import { parseConfig } from './config';
import { RemediatorError } from './errors';

const policy = {
  rules: [
    {
      name: 'r',
      match: { alertname: 'A' },
      target: { actuator: 'process', kind: 'g', name: 'x' },
      allow: ['x'],
      ladder: [{ action: 'restart' }],
    },
  ],
};

describe('parseConfig', () => {
  it.each([
    ['auth', { policy }],
    ['auth.bearerTokens.0', { policy, auth: { bearerTokens: [{ value: 'a', env: 'B' }] } }],
    ['server.port', { policy, auth: { disabled: true }, server: { port: 70000 } }],
    ['policyFile', { auth: { disabled: true } }],
    [
      'policy.rules.0.ladder',
      { auth: { disabled: true }, policy: { rules: [{ ...policy.rules[0], ladder: [] }] } },
    ],
    ['prometheus.url', { policy, auth: { disabled: true }, prometheus: { url: 'not a url' } }],
    [
      'kubernetes.leaderElection',
      {
        policy,
        auth: { disabled: true },
        kubernetes: { leaderElection: { leaseDurationSeconds: 15, renewSeconds: 15 } },
      },
    ],
    [
      'kubernetes.leaderElection.lease',
      { policy, auth: { disabled: true }, kubernetes: { leaderElection: { lease: 'x' } } },
    ],
  ])('refuses a bad config naming %s', (field, raw) => {
    expect.assertions(2);
    try {
      parseConfig(raw, __dirname);
    } catch (e) {
      expect(e).toBeInstanceOf(RemediatorError);
      expect((e as RemediatorError).field).toBe(field);
    }
  });

  it('has defaults that work: port 8091, 1 MiB body limit, cooldown 60 s', () => {
    const { config, policy: p } = parseConfig(
      { policy, auth: { bearerTokens: [{ value: 't' }] } },
      __dirname,
    );
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8091, bodyLimitBytes: 1048576 });
    expect(p.rules[0]?.cooldownSeconds).toBe(60);
  });
});
