import { remediatorConfig, SAME_DEMAND } from './remediator-config';

type Rule = { name: string; matchRe?: Record<string, string>; ladder: { action: string }[] };

const configFor = (actuator: 'process' | 'docker', replicas?: number) =>
  remediatorConfig({
    port: 1,
    tokenFile: '/t',
    storageFile: '/s',
    prometheusUrl: 'http://127.0.0.1:9090',
    alertmanagerUrl: 'http://127.0.0.1:9093',
    services: ['orders', 'payments'],
    actuator: { config: {}, target: { actuator, kind: 'x', name: '{{service}}' } },
    ...(replicas !== undefined ? { replicas } : {}),
  });

const rulesFor = (actuator: 'process' | 'docker'): Rule[] => (configFor(actuator).policy as { rules: Rule[] }).rules;

// the remediator anchors every matchRe pattern (load-policy.ts)
const sameDemand = new RegExp(`^(?:${SAME_DEMAND})$`);

describe('the chaos stack policy for latency', () => {
  it('tells latency at the same demand from latency with more requests or CPU, or with no features to tell', () => {
    expect(['latency_p95', 'latency_p95,error_ratio', 'latency_p95,cpu_throttle'].filter((f) => sameDemand.test(f))).toHaveLength(3);
    expect(['latency_p95,request_rate', 'cpu,latency_p95', 'request_rate', ''].some((f) => sameDemand.test(f))).toBe(false);
  });

  it('restarts first at the same demand on both fleets (neither restart has a gap), scales out first otherwise', () => {
    const ladders = (a: 'process' | 'docker') =>
      rulesFor(a)
        .filter((r) => r.name.startsWith('latency'))
        .map((r) => [r.name, r.ladder[0]!.action]);
    for (const a of ['process', 'docker'] as const)
      expect(ladders(a)).toEqual([
        ['latency-same-demand', 'restart'],
        ['latency', 'scale_out'],
      ]);
  });
});

describe('the chaos stack policy for scale-out', () => {
  const max = (replicas?: number) =>
    (configFor('process', replicas).policy as { defaults: { replicas: { min: number; max: number } } }).defaults.replicas;

  it('leaves two scale-outs above the replicas each backend started as (campaign --replicas)', () => {
    expect(max()).toEqual({ min: 1, max: 3 });
    expect(max(2)).toEqual({ min: 1, max: 4 });
    // started as 3, a fixed max of 3 skipped every scale_out as at_max_replicas
    expect(max(3).max).toBeGreaterThan(3);
  });
});
