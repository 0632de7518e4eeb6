import { Verify } from '../policy/policy-schema';
import { verifyRecovery } from './verifier';

/** A clock the verifier's sleeps advance, so minutes of verification run in microseconds. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}
const v = Verify.parse({ timeoutSeconds: 60, stableSeconds: 10, intervalSeconds: 5 });
const labels = { alertname: 'HomeostatAnomaly', service: 'orders' };

/** Prometheus answers from a script keyed by elapsed seconds. */
function prom(
  c: ReturnType<typeof clock>,
  script: (elapsed: number) => { firing: boolean; score: number | null },
) {
  const start = c.now();
  const queries: string[] = [];
  return {
    queries,
    query: async (expr: string) => {
      queries.push(expr);
      const s = script((c.now() - start) / 1000);
      if (expr.startsWith('ALERTS')) return s.firing ? [{ metric: {}, value: 1 }] : [];
      return s.score === null ? [] : [{ metric: {}, value: s.score }];
    },
  };
}

describe('verifyRecovery', () => {
  it.each([
    [
      'passes once resolved and the score stays below 1 for stableSeconds',
      (e: number) => ({ firing: e < 20, score: e < 20 ? 2 : 0.3 }),
      true,
    ],
    ['fails when the alert keeps firing until the timeout', () => ({ firing: true, score: 0.5 }), false],
    [
      'fails when the score never settles below 1',
      (e: number) => ({ firing: false, score: e % 10 < 5 ? 0.4 : 1.3 }),
      false,
    ],
    [
      'passes without a score series (entity has none) once resolved',
      (e: number) => ({ firing: e < 5, score: null }),
      true,
    ],
  ])('%s', async (_name, script, passed) => {
    const c = clock();
    const p = prom(c, script);
    const out = await verifyRecovery(v, labels, { prometheus: p, resolvedByWebhook: () => false, ...c });
    expect(out.passed).toBe(passed);
    expect(p.queries[0]).toBe('ALERTS{alertstate="firing",alertname="HomeostatAnomaly",service="orders"}');
    expect(p.queries[1]).toBe('max(homeostat_anomaly_score{service="orders"})');
  });

  it('takes the resolved webhook as resolution when Prometheus is not configured', async () => {
    const c = clock();
    const out = await verifyRecovery(v, labels, {
      prometheus: null,
      resolvedByWebhook: () => c.now() > 1_030_000,
      ...c,
    });
    expect(out).toMatchObject({ passed: true, detail: { resolved: true, score: null } });
  });

  it('keeps polling through Prometheus errors and fails only at the deadline', async () => {
    const c = clock();
    const out = await verifyRecovery(v, labels, {
      prometheus: {
        query: async () => {
          throw new Error('connection refused');
        },
      },
      resolvedByWebhook: () => false,
      ...c,
    });
    expect(out.passed).toBe(false);
    expect(out.detail.checks).toBeGreaterThan(10);
    expect(out.detail.reason).toMatch(/prometheus unavailable/);
  });
});
