import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  makeTempDir,
  startAlertmanager,
  startPrometheus,
  waitFor,
  type Daemon,
  type PrometheusDaemon,
} from '@homeostat/testkit';
import pino from 'pino';
import { AmSilence } from '../src/sinks/am-silence';
import { FIXTURE, startRemediator, TOKEN, type TestRemediator } from './support/remediator';

jest.setTimeout(120_000);

const RULES = `
groups:
  - name: homeostat
    rules:
      - alert: HomeostatAnomaly
        expr: homeostat_anomaly_score > 1
        labels: { severity: warning, remediate: "true" }
        # as provisioning/prometheus/rules/homeostat.yml sends it: an annotation, not part of the identity
        annotations: { top_feature: cpu }
`;

describe('real Prometheus -> real Alertmanager 0.25 -> remediator (bearer credentials_file)', () => {
  let score = 2.5;
  let metrics: Server;
  let prom: PrometheusDaemon;
  let am: Daemon;
  let r: TestRemediator;
  let startLog: string;
  const starts = () => readFileSync(startLog, 'utf8').trim().split('\n').filter(Boolean).length;

  beforeAll(async () => {
    metrics = createServer((_req, res) => {
      res.end(
        `# TYPE homeostat_anomaly_score gauge\nhomeostat_anomaly_score{service="orders",detector="fleet"} ${score}\n`,
      );
    });
    await new Promise<void>((ok) => metrics.listen(0, '127.0.0.1', ok));
    const metricsPort = (metrics.address() as { port: number }).port;
    const dir = makeTempDir('am-e2e');
    startLog = join(dir, 'starts.log');
    writeFileSync(startLog, '');
    const [appPort, remPort] = [await freePort(), await freePort()];
    am = await startAlertmanager({
      files: [{ name: 'token', content: TOKEN }],
      config: {
        route: {
          receiver: 'remediator',
          group_by: ['alertname', 'service'],
          group_wait: '1s',
          group_interval: '2s',
          repeat_interval: '4s',
        },
        receivers: [
          {
            name: 'remediator',
            webhook_configs: [
              {
                url: `http://127.0.0.1:${remPort}/api/v1/alerts/alertmanager`,
                send_resolved: true,
                http_config: { authorization: { type: 'Bearer', credentials_file: '{{dir}}/token' } },
              },
            ],
          },
        ],
      },
    });
    prom = await startPrometheus({
      scrapeTargets: [{ job: 'detector', targets: [`127.0.0.1:${metricsPort}`] }],
      ruleFiles: [{ name: 'homeostat.yml', content: RULES }],
      alertmanager: am.url.replace('http://', ''),
    });
    r = await startRemediator({
      server: { port: remPort, logLevel: 'silent' },
      prometheus: { url: prom.url },
      alertmanager: { url: am.url },
      process: {
        groups: [
          {
            name: 'orders',
            command: ['node', FIXTURE, '{port}'],
            env: { START_LOG: startLog },
            ports: [appPort],
            replicaPorts: { from: appPort + 1, to: appPort + 3 },
          },
        ],
      },
      policy: {
        defaults: {
          cooldownSeconds: 0,
          verify: { timeoutSeconds: 60, stableSeconds: 2, intervalSeconds: 0.5 },
        },
        rules: [
          {
            name: 'cpu',
            match: { alertname: 'HomeostatAnomaly', top_feature: 'cpu', remediate: 'true' },
            target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
            allow: ['orders'],
            ladder: [{ action: 'restart' }],
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await r?.close();
    await am?.stop({ removeDir: true });
    await prom?.stop({ removeDir: true });
    metrics?.close();
  });

  it('matches the policy on the top_feature annotation and acts once on the firing alert despite re-sends, then verifies recovery from Prometheus and records MTTR', async () => {
    expect(starts()).toBe(1); // the supervised replica
    const action = await waitFor(
      'the restart action',
      () => r.store.actions(0, Date.now()).find((a) => a.action === 'restart'),
      { timeoutMs: 60_000 },
    );
    expect(action).toMatchObject({ result: 'succeeded', rule: 'cpu', target: { name: 'orders' } });
    // Alertmanager re-sends the group every repeat_interval (4 s); all of these must be duplicates.
    await waitFor(
      'a repeated notification',
      async () =>
        /homeostat_remediator_alerts_total\{dedupe="duplicate"\} [1-9]/.test(
          await (await fetch(`${r.url}/metrics`)).text(),
        ),
      { timeoutMs: 30_000 },
    );
    expect(starts()).toBe(2);
    score = 0.2; // the "fix" worked: the detector's score drops, the alert resolves
    const inc = await waitFor(
      'the incident to heal',
      () => r.store.incidents(0, Date.now()).find((i) => i.status === 'healed'),
      { timeoutMs: 60_000 },
    );
    expect(inc.mttrSeconds).toBeGreaterThan(0);
    expect(inc.actions.filter((a) => a.result === 'succeeded')).toHaveLength(1);
    expect(inc.actions[0]?.verification).toBe('passed');
    expect(starts()).toBe(2);
    expect(await (await fetch(`${r.url}/metrics`)).text()).toMatch(
      /homeostat_remediator_mttr_seconds_count 1/,
    );
  });

  it('creates and expires Alertmanager silences through API v2', async () => {
    const s = new AmSilence(am.url, pino({ level: 'silent' }));
    const id = await s.write({ alertname: 'HomeostatAnomaly', service: 'orders' }, 120, 'test');
    expect(id).toEqual(expect.any(String));
    const get = async () =>
      (await (await fetch(`${am.url}/api/v2/silence/${id}`)).json()) as {
        status: { state: string };
        matchers: { name: string }[];
      };
    expect((await get()).status.state).toBe('active');
    expect((await get()).matchers.map((m) => m.name).sort()).toEqual(['alertname', 'service']);
    await s.expire(id!);
    expect((await get()).status.state).toBe('expired');
  });
});
