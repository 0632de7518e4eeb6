import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startAlertmanager,
  startPrometheus,
  waitFor,
  type Daemon,
  type PrometheusDaemon,
} from '@homeostat/testkit';
import { parse, stringify } from 'yaml';
import { StackAlertReader } from '../src/engine/alert-reader';
import { PrometheusClient } from '../src/engine/prometheus-client';
import { verifyRecovery } from '../src/engine/verifier';
import { Verify } from '../src/policy/policy-schema';

jest.setTimeout(120_000);

const RULES = `
groups:
  - name: homeostat
    rules:
      - alert: HomeostatAnomaly
        expr: homeostat_anomaly_score{service="orders"} > 1
        labels: { severity: warning, remediate: "true" }
`;

/**
 * What verification reads, on a real Prometheus 2.42 with an external label (as the shipped compose
 * config sets one) and a real Alertmanager 0.25: the alert as Alertmanager received it, with the
 * external label, and the local ALERTS series, without it.
 */
describe('verification reads the alert by identity and only fresh scores', () => {
  let metrics: Server;
  let prom: PrometheusDaemon;
  let am: Daemon;
  let staleAt: number;
  let amAlert: { fingerprint: string; labels: Record<string, string> };

  beforeAll(async () => {
    staleAt = Date.now() - 180_000; // a score sample 3 minutes old: inside the 5 min lookback
    metrics = createServer((_req, res) => {
      res.end(
        '# TYPE homeostat_anomaly_score gauge\n' +
          'homeostat_anomaly_score{service="orders"} 2.5\n' +
          `homeostat_anomaly_score{service="stale"} 0.2 ${staleAt}\n`,
      );
    });
    await new Promise<void>((ok) => metrics.listen(0, '127.0.0.1', ok));
    const port = (metrics.address() as { port: number }).port;
    am = await startAlertmanager();
    prom = await startPrometheus({
      scrapeTargets: [{ job: 'detector', targets: [`127.0.0.1:${port}`] }],
      ruleFiles: [{ name: 'homeostat.yml', content: RULES }],
      alertmanager: am.url.replace('http://', ''),
      scrapeIntervalSeconds: 1,
    });
    // The external label, as deploy's Prometheus config sets one (testkit has no option for it).
    const file = join(prom.dir, 'prometheus.yml');
    const cfg = parse(readFileSync(file, 'utf8')) as { global: Record<string, unknown> };
    cfg.global.external_labels = { cluster: 'eu-1' };
    writeFileSync(file, stringify(cfg));
    expect((await fetch(`${prom.url}/-/reload`, { method: 'POST' })).ok).toBe(true);
    amAlert = await waitFor(
      'the alert in Alertmanager with the external label',
      async () => {
        const all = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as (typeof amAlert)[];
        return all.find((a) => a.labels.alertname === 'HomeostatAnomaly' && a.labels.cluster === 'eu-1');
      },
      { timeoutMs: 60_000 },
    );
  });
  afterAll(async () => {
    await prom?.stop({ removeDir: true });
    await am?.stop({ removeDir: true });
    metrics?.close();
  });

  it('finds the firing alert through Alertmanager by fingerprint', async () => {
    const reader = new StackAlertReader({ alertmanagerUrl: am.url });
    expect(await reader.firing({ ...amAlert, source: 'alertmanager' })).toBe(true);
    expect(await reader.firing({ ...amAlert, fingerprint: '0000000000000000', source: 'alertmanager' })).toBe(
      false,
    );
  });

  it('finds it in ALERTS with the external labels dropped (matching every webhook label finds nothing)', async () => {
    const client = new PrometheusClient(prom.url);
    const all = Object.entries(amAlert.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    // what verification used to query: empty, and an empty answer was taken as "resolved"
    expect(await client.query(`ALERTS{alertstate="firing",${all}}`)).toEqual([]);
    const reader = new StackAlertReader({ prometheus: client });
    expect(await reader.firing({ ...amAlert, source: 'alertmanager' })).toBe(true);
  });

  it('cannot read a Grafana-managed alert from either and never calls it resolved', async () => {
    const reader = new StackAlertReader({
      alertmanagerUrl: am.url,
      prometheus: new PrometheusClient(prom.url),
    });
    await expect(reader.firing({ ...amAlert, source: 'grafana' })).rejects.toThrow(/Grafana/);
  });

  it('reports the age of the newest score sample; an old one makes the check unreadable', async () => {
    const reader = new StackAlertReader({ prometheus: new PrometheusClient(prom.url) });
    const fresh = await reader.score('max(homeostat_anomaly_score{service="orders"})');
    expect(fresh?.value).toBe(2.5);
    expect(fresh?.ageSeconds).toBeLessThan(60);
    const stale = await reader.score('max(homeostat_anomaly_score{service="stale"})');
    expect(stale?.value).toBe(0.2);
    expect(stale?.ageSeconds).toBeGreaterThan(120);
    expect(await reader.score('max(homeostat_anomaly_score{service="nobody"})')).toBeNull();
    // the verdict on the stale entity: not "recovered", not "failed" either
    let t = Date.now();
    const out = await verifyRecovery(
      Verify.parse({
        timeoutSeconds: 2,
        stableSeconds: 0,
        intervalSeconds: 1,
        requireResolved: false,
        scoreQuery: 'max(homeostat_anomaly_score{service="{{service}}"})',
      }),
      { fingerprint: 'x', labels: { service: 'stale' }, source: 'alertmanager' },
      { alerts: reader, resolvedByWebhook: () => false, now: () => t, sleep: async (ms) => void (t += ms) },
    );
    expect(out).toMatchObject({
      result: 'unknown',
      detail: { reason: expect.stringMatching(/score sample \d+s old/) },
    });
  });
});
