import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startAlertmanager, waitFor, type Daemon } from '@homeostat/testkit';
import type { K8sObject } from '../src/k8s-schema';
import { findObject, kustomizeBuild } from '../src/kustomize';
import { readYamlFile, repoPath, ROOT } from '../src/repo';
import { runTool } from '../src/tools';

// The Prometheus and Alertmanager configurations, checked by the real promtool and amtool, and the
// Alertmanager route exercised on a real Alertmanager: a remediate="true" alert reaches the
// remediator's webhook with the bearer token, within the short group wait, and nothing else does.
jest.setTimeout(60_000);

const RULES_SOURCE = repoPath('provisioning', 'prometheus', 'rules', 'homeostat.yml');
const tmp = mkdtempSync(join(tmpdir(), 'homeostat-deploy-checks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function promtool(...args: string[]) {
  return runTool('promtool', args, { install: 'the Debian package prometheus' });
}
function amtool(...args: string[]) {
  return runTool('amtool', args, { install: 'the Debian package prometheus-alertmanager' });
}
const writeTmp = (name: string, content: string) => {
  const f = join(tmp, name);
  writeFileSync(f, content);
  return f;
};

describe('Prometheus configuration', () => {
  it('docker-compose: promtool accepts prometheus.yml and the rule files it loads', () => {
    const r = promtool('check', 'config', repoPath('provisioning', 'prometheus', 'prometheus.yml'));
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
    expect(r.output).toMatch(/SUCCESS: [1-9]\d* rules found/);
  });

  it('docker-compose: scrapes the fleet as job "demo" and Homeostat as job "homeostat" through docker_sd_configs', () => {
    const c = readYamlFile<{ scrape_configs: { job_name: string; docker_sd_configs?: { host: string; refresh_interval: string }[] }[] }>(
      'provisioning',
      'prometheus',
      'prometheus.yml',
    );
    for (const job of ['demo', 'homeostat']) {
      const sc = c.scrape_configs.find((s) => s.job_name === job);
      expect(sc?.docker_sd_configs?.[0]?.host).toBe('unix:///var/run/docker.sock');
    }
  });

  it('the detector queries (compose and every Kubernetes shard) are valid PromQL', () => {
    const compose = readYamlFile<{ detectors: { queries: Record<string, string> }[] }>('provisioning', 'detector', 'detector.yml');
    const cm = findObject(kustomizeBuild(repoPath('k8s', 'base')), 'ConfigMap', 'detector-config') as K8sObject & { data: Record<string, string> };
    const configs = [compose, ...Object.values(cm.data).map((t) => parse(t) as typeof compose)];
    const rules = configs.flatMap((c, i) =>
      c.detectors.flatMap((d) => Object.entries(d.queries).map(([feature, expr]) => ({ record: `check_${i}:${feature}`, expr }))),
    );
    expect(rules.length).toBeGreaterThanOrEqual(15);
    const r = promtool('check', 'rules', writeTmp('detector-queries.yml', stringify({ groups: [{ name: 'detector-queries', rules }] })));
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('Kubernetes (plain): promtool accepts the scrape config and the rules ConfigMap content', () => {
    const file = repoPath('k8s', 'overlays', 'plain', 'prometheus.yml');
    const config = readYamlFile<{ rule_files: string[]; scrape_configs: Record<string, unknown>[] }>('k8s', 'overlays', 'plain', 'prometheus.yml');
    let r = promtool('check', 'config', file);
    if (/field kubernetes_sd_configs not found/.test(r.output)) {
      // Debian builds promtool without Kubernetes discovery; check everything else, and the
      // discovery blocks' own keys against the documented ones.
      for (const sc of config.scrape_configs) {
        for (const sd of (sc.kubernetes_sd_configs ?? []) as Record<string, unknown>[]) {
          expect(['endpoints', 'endpointslice', 'service', 'pod', 'node', 'ingress']).toContain(sd.role);
          for (const k of Object.keys(sd)) expect(['role', 'namespaces', 'selectors', 'api_server', 'kubeconfig_file', 'attach_metadata']).toContain(k);
        }
        if (sc.kubernetes_sd_configs) {
          delete sc.kubernetes_sd_configs;
          sc.static_configs = [{ targets: ['127.0.0.1:8090'] }];
        }
      }
      config.rule_files = [];
      r = promtool('check', 'config', writeTmp('plain-prometheus.yml', stringify(config)));
    }
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
    const rules = promtool('check', 'rules', repoPath('k8s', 'overlays', 'plain', 'rules', 'homeostat.yml'));
    expect(rules.status).toBe(0);
  });

  it('Kubernetes (prometheus-operator): promtool accepts the PrometheusRule groups', () => {
    const rule = findObject(kustomizeBuild(repoPath('k8s', 'overlays', 'prometheus-operator')), 'PrometheusRule', 'homeostat');
    const r = promtool('check', 'rules', writeTmp('prometheus-rule.yml', stringify(rule.spec)));
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('the Kubernetes alert rules are generated by the build from provisioning/prometheus/rules/homeostat.yml, never kept in git', () => {
    const k8sRules = ['k8s/overlays/plain/rules/homeostat.yml', 'k8s/overlays/prometheus-operator/prometheus-rule.yaml'];
    expect(execFileSync('git', ['ls-files', '--', ...k8sRules], { cwd: ROOT, encoding: 'utf8' })).toBe('');
    // a stale file here means the source changed after the last `npm run build`
    for (const f of k8sRules) expect([f, readFileSync(repoPath(f), 'utf8').split('\n')[0]]).toEqual([f, expect.stringContaining('Generated from provisioning/prometheus/rules/homeostat.yml by `npm run build`')]);
    const source = parse(readFileSync(RULES_SOURCE, 'utf8')) as { groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[] };
    expect(readYamlFile('k8s', 'overlays', 'plain', 'rules', 'homeostat.yml')).toEqual(source);
    const expected = structuredClone(source);
    for (const g of expected.groups) for (const r of g.rules) if (r.alert) r.labels = { ...r.labels, namespace: 'homeostat' };
    expect(readYamlFile<{ spec: unknown }>('k8s', 'overlays', 'prometheus-operator', 'prometheus-rule.yaml').spec).toEqual(expected);
  });
});

describe('Alertmanager configuration', () => {
  it.each([
    ['docker-compose', ['provisioning', 'alertmanager', 'alertmanager.yml']],
    ['Kubernetes (plain)', ['k8s', 'overlays', 'plain', 'alertmanager.yml']],
  ])('%s: amtool accepts it', (_what, parts) => {
    const r = amtool('check-config', repoPath(...parts));
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it.each([
    [['alertname=HomeostatAnomaly', 'service=orders', 'remediate=true'], 'remediator,default'],
    [['alertname=HomeostatTargetDown', 'service=orders', 'remediate=true'], 'remediator,default'],
    [['alertname=HomeostatAnomalyCritical', 'service=orders', 'remediate=false'], 'default'],
    [['alertname=Watchdog'], 'default'],
  ])('routes %j to %s', (labels, receivers) => {
    const r = amtool('config', 'routes', 'test', `--config.file=${repoPath('provisioning', 'alertmanager', 'alertmanager.yml')}`, ...labels);
    expect(r.stdout.trim()).toBe(receivers);
  });
});

describe('Alertmanager -> remediator webhook on a real Alertmanager', () => {
  let am: Daemon;
  let hook: Server;
  const received: { headers: IncomingHttpHeaders; body: { alerts: { labels: Record<string, string> }[] } }[] = [];

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(text) });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as { port: number }).port;
    // the shipped file, with only the two container-specific locations pointed at this machine
    const config = readYamlFile<{ receivers: { name: string; webhook_configs?: { url: string; http_config: { authorization: { credentials_file: string } } }[] }[] }>(
      'provisioning',
      'alertmanager',
      'alertmanager.yml',
    );
    const wh = config.receivers.find((r) => r.name === 'remediator')!.webhook_configs![0];
    expect(wh.url).toBe('http://remediator:8091/api/v1/alerts/alertmanager');
    expect(wh.http_config.authorization.credentials_file).toBe('/run/secrets/remediator-token');
    wh.url = `http://127.0.0.1:${port}/api/v1/alerts/alertmanager`;
    wh.http_config.authorization.credentials_file = repoPath('provisioning', 'alertmanager', 'remediator-token');
    am = await startAlertmanager({ config });
  });

  afterAll(async () => {
    await am?.stop({ removeDir: true });
    await new Promise((r) => hook?.close(r));
  });

  it('delivers remediate="true" alerts with the bearer token, and keeps the others away from the remediator', async () => {
    const alert = (labels: Record<string, string>) => ({ labels, annotations: {}, startsAt: new Date().toISOString() });
    const post = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert({ alertname: 'HomeostatTargetDown', service: 'orders', severity: 'critical', remediate: 'true' }),
        alert({ alertname: 'HomeostatAnomalyCritical', service: 'payments', severity: 'critical', remediate: 'false' }),
      ]),
    });
    expect(post.ok).toBe(true);
    await waitFor('the remediator webhook call', async () => received.length > 0, { timeoutMs: 20_000 });
    // give a wrongly routed second group time to arrive too (group_wait is 2 s)
    await new Promise((r) => setTimeout(r, 3000));
    const token = readFileSync(repoPath('provisioning', 'alertmanager', 'remediator-token'), 'utf8').trim();
    expect(received.map((r) => r.headers.authorization)).toEqual(received.map(() => `Bearer ${token}`));
    const alerts = received.flatMap((r) => r.body.alerts.map((a) => a.labels));
    expect(alerts).toEqual([expect.objectContaining({ alertname: 'HomeostatTargetDown', service: 'orders', remediate: 'true' })]);
  });
});
