import { testRules } from '@homeostat/testkit';
import { alertRules } from '../src/stack/prometheus-config';

const payments = {
  exp_labels: { detector: 'demo', service: 'payments', severity: 'warning', remediate: 'true' },
  exp_annotations: {
    description:
      'homeostat_anomaly_score of detector demo is above the 1.0 threshold for service=payments ; the top_feature annotation names the feature contributing most right now.',
    // no contribution series in this test: no top feature, none carrying a fifth of the score
    features: '',
    root_cause: '',
    summary: 'Anomaly on payments (score 1.20)',
    top_feature: '',
  },
};

// A campaign's second fault on one service, 25 s after the first one's score cleared: payments
// scores 1.2 (above 1, not strong) from 5 s to 19 s, 0.2 until 45 s, then 1.2 again. With the shipped 30 s hold the first
// alert would still be firing at 45 s, so the second fault would send Alertmanager nothing new; the
// chaos stack's rule lets it go 10 s after the score cleared, so the second fault fires afresh.
it('the chaos stack holds an anomaly alert 10 s after its score clears, so a fault 25 s later fires afresh (promtool test rules)', () => {
  const expect_ = (t: number, firing: boolean) => ({
    eval_time: `${t}s`,
    alertname: 'HomeostatAnomaly',
    exp_alerts: firing ? [payments] : [],
  });
  const r = testRules(alertRules(), {
    input_series: [
      {
        series: 'homeostat_anomaly_score{detector="demo",service="payments",instance="d",job="homeostat"}',
        values: '0.5x4 1.2x14 0.2x25 1.2x20',
      },
    ],
    alert_rule_test: [
      expect_(10, false), // pending: the score has not held 10 s yet
      expect_(17, true),
      expect_(24, true), // held: 5 s after the score cleared
      expect_(33, false), // let go 10 s after it cleared (held 30 s, it would still fire when the score returns)
      expect_(50, false), // the second fault: pending again
      expect_(58, true), // and firing afresh
    ],
  });
  expect(r.out).toContain('SUCCESS');
  expect(r.ok).toBe(true);
});

// A strong score (above 1.5: a value beyond anything seen, which is what users' faults score) fires
// after the 3 s of `for` alone, a third of the shipped 10 s; a weak one waits 10 s, and a 6-s blip
// above 1 (a caller while its callee restarts) never fires (a strong blip shorter than 3 s neither:
// detector/test/fixtures/homeostat-rules-holds.test.yml checks the shipped holds).
it('the chaos stack fires a strong anomaly after 3 s and a weak one after 10 s, never a weak 6-s blip (promtool test rules)', () => {
  const score: Record<string, string> = { orders: '2.00', payments: '1.20' };
  const firing = (t: number, services: string[]) => ({
    eval_time: `${t}s`,
    alertname: 'HomeostatAnomaly',
    exp_alerts: services.map((s) => ({
      exp_labels: { ...payments.exp_labels, service: s },
      exp_annotations: {
        ...payments.exp_annotations,
        description: payments.exp_annotations.description.replace('service=payments', `service=${s}`),
        summary: `Anomaly on ${s} (score ${score[s]})`,
      },
    })),
  });
  const series = (service: string, values: string) => ({
    series: `homeostat_anomaly_score{detector="demo",service="${service}",instance="d",job="homeostat"}`,
    values,
  });
  const r = testRules(alertRules(), {
    input_series: [
      series('orders', '0.5x9 2x20'), // strong from 10 s
      series('payments', '0.5x9 1.2x20'), // weak from 10 s
      series('inventory', '0.5x9 1.2x5 0.5x15'), // weak blip, 10-15 s
    ],
    alert_rule_test: [firing(12, []), firing(13, ['orders']), firing(19, ['orders']), firing(20, ['orders', 'payments']), firing(29, ['orders', 'payments'])],
  });
  expect(r.out).toContain('SUCCESS');
  expect(r.ok).toBe(true);
});
