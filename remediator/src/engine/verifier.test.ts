import { Verify } from '../policy/policy-schema';
import type { AlertReader } from './alert-reader';
import { verifyRecovery } from './verifier';

/** A clock the verifier's sleeps advance, so minutes of verification run in microseconds. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}
const v = Verify.parse({ timeoutSeconds: 60, stableSeconds: 10, intervalSeconds: 5 });
const alert = {
  fingerprint: 'abc',
  labels: { alertname: 'HomeostatAnomaly', service: 'orders' },
  source: 'alertmanager' as const,
};
type Seen = { firing: boolean | 'error'; score: number | null | 'error'; age?: number };

/** An alert source answering from a script keyed by elapsed seconds. */
function reader(c: ReturnType<typeof clock>, script: (elapsed: number) => Seen) {
  const start = c.now();
  const exprs: string[] = [];
  const at = () => script((c.now() - start) / 1000);
  const r: AlertReader = {
    firing: async (a) => {
      expect(a.fingerprint).toBe('abc');
      const s = at().firing;
      if (s === 'error') throw new Error('connection refused');
      return s;
    },
    score: async (expr) => {
      exprs.push(expr);
      const s = at();
      if (s.score === 'error') throw new Error('connection refused');
      return s.score === null ? null : { value: s.score, ageSeconds: s.age ?? 5 };
    },
  };
  return { r, exprs };
}

describe('verifyRecovery', () => {
  it.each([
    [
      'passes once resolved and the score stays below 1 for stableSeconds',
      (e: number): Seen => ({ firing: e < 20, score: e < 20 ? 2 : 0.3 }),
      'passed',
    ],
    [
      'fails when the alert keeps firing until the timeout',
      (): Seen => ({ firing: true, score: 0.5 }),
      'failed',
    ],
    [
      'fails when the score never settles below 1',
      (e: number): Seen => ({ firing: false, score: e % 10 < 5 ? 0.4 : 1.3 }),
      'failed',
    ],
    // A missing score is not a low score: the entity may be unscored because its detector is down.
    ['cannot read when the score series is missing', (): Seen => ({ firing: false, score: null }), 'unknown'],
    [
      'cannot read when the newest score sample is older than scoreMaxAgeSeconds',
      (): Seen => ({ firing: false, score: 0.2, age: 600 }),
      'unknown',
    ],
    // A Prometheus / Alertmanager outage: neither passed nor failed, so no undo and no next step.
    ['cannot read while the sources are down', (): Seen => ({ firing: 'error', score: 'error' }), 'unknown'],
    [
      'fails when the alert is readable and firing though the score is not readable',
      (): Seen => ({ firing: true, score: 'error' }),
      'failed',
    ],
  ])('%s', async (_name, script, result) => {
    const c = clock();
    const { r, exprs } = reader(c, script);
    const out = await verifyRecovery(v, alert, { alerts: r, resolvedByWebhook: () => false, ...c });
    expect(out.result).toBe(result);
    expect(exprs[0]).toBe('max(homeostat_anomaly_score{service="orders"})');
  });

  it('takes the resolved webhook as resolution when no source is configured', async () => {
    const c = clock();
    const out = await verifyRecovery({ ...v, scoreQuery: '' }, alert, {
      alerts: null,
      resolvedByWebhook: () => c.now() > 1_030_000,
      ...c,
    });
    expect(out).toMatchObject({ result: 'passed', detail: { resolved: true, score: null } });
  });

  it('cannot read without a source and without the resolved webhook', async () => {
    const c = clock();
    const out = await verifyRecovery({ ...v, scoreQuery: '' }, alert, {
      alerts: null,
      resolvedByWebhook: () => false,
      ...c,
    });
    expect(out.result).toBe('unknown');
    expect(out.detail.reason).toMatch(/no resolved webhook/);
  });
});
