import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { testRules } from '@homeostat/testkit';
import { alertRules, HOMEOSTAT_RULES_FILE } from '../src/stack/prometheus-config';

const orders = {
  exp_labels: { job: 'demo', service: 'orders', severity: 'critical', remediate: 'true' },
  exp_annotations: { summary: 'orders is down (scrape target up == 0, job demo)' },
};

// What a chaos campaign's give-back looked like to Prometheus: payments' original answers
// throughout; its clone, removed, failed two 1 s scrapes and then left discovery (a stale
// marker). Orders' only replica crashed at 5 s and stays a target. HomeostatTargetDown must
// name orders once its `for` has passed, and never payments: a replica that went away is not down.
describe.each([
  ['the chaos stack rules (4 s window, for 1 s)', 'chaos', 10],
  ['the shipped rules (up == 0 for 15 s)', 'shipped', 20],
])('%s', (_name, which, firesAt) => {
  it(`fire for a crashed replica from ${firesAt} s, never for one that left discovery (promtool test rules)`, () => {
    const rules = which === 'chaos' ? alertRules() : parse(readFileSync(HOMEOSTAT_RULES_FILE, 'utf8'));
    const checks = [];
    for (let t = 6; t <= 24; t++)
      checks.push({
        eval_time: `${t}s`,
        alertname: 'HomeostatTargetDown',
        exp_alerts: t >= firesAt ? [orders] : [],
      });
    const r = testRules(rules, {
      input_series: [
        { series: 'up{job="demo",service="payments",instance="a",container="payments-1"}', values: '1x30' },
        {
          series: 'up{job="demo",service="payments",instance="b",container="payments-2"}',
          values: '1 1 1 1 1 0 0 stale',
        },
        {
          series: 'up{job="demo",service="orders",instance="c",container="orders-1"}',
          values: '1 1 1 1 1 0x25',
        },
      ],
      alert_rule_test: checks,
    });
    expect(r.out).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });
});
