import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port';
import { makeTempDir, spawnDaemon, type Daemon } from './daemon';
import { waitFor } from './wait-for';

export interface ScrapeTarget {
  job: string;
  /** host:port, e.g. 127.0.0.1:4000 */
  targets: string[];
  /** Prometheus file_sd files to discover more targets from (watched; a rewrite is picked up). */
  files?: string[];
  labels?: Record<string, string>;
  metricsPath?: string;
  /** Prometheus's honor_labels: the target's own labels win over job/instance (default false). */
  honorLabels?: boolean;
}

export interface PrometheusOptions {
  scrapeTargets?: ScrapeTarget[];
  /** Rule files copied into the temp dir and loaded. */
  ruleFiles?: { name: string; content: string }[];
  /** host:port of an Alertmanager to send alerts to. */
  alertmanager?: string;
  scrapeIntervalSeconds?: number;
  evaluationIntervalSeconds?: number;
  /** Reuse a data dir (to test restarts); a fresh temp dir otherwise. */
  dir?: string;
  port?: number;
}

export interface PrometheusDaemon extends Daemon {
  /** Instant query; returns the raw `data.result`. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
}

/**
 * Starts Debian's `prometheus` on 127.0.0.1 with a temp data dir and the given scrape targets,
 * and resolves once it answers /-/ready. Uses the real binary: tests assert on real scrapes.
 */
export async function startPrometheus(opts: PrometheusOptions = {}): Promise<PrometheusDaemon> {
  const dir = opts.dir ?? makeTempDir('prometheus');
  const port = opts.port ?? (await freePort());
  const scrape = opts.scrapeIntervalSeconds ?? 1;
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir, { recursive: true });
  for (const r of opts.ruleFiles ?? []) writeFileSync(join(rulesDir, r.name), r.content);
  const config = {
    global: { scrape_interval: `${scrape}s`, evaluation_interval: `${opts.evaluationIntervalSeconds ?? scrape}s` },
    rule_files: (opts.ruleFiles ?? []).map((r) => join(rulesDir, r.name)),
    alerting: opts.alertmanager
      ? { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager] }] }] }
      : undefined,
    scrape_configs: (opts.scrapeTargets ?? []).map((t) => ({
      job_name: t.job,
      metrics_path: t.metricsPath ?? '/metrics',
      ...(t.honorLabels ? { honor_labels: true } : {}),
      static_configs: [{ targets: t.targets, labels: t.labels ?? {} }],
      ...(t.files ? { file_sd_configs: [{ files: t.files, refresh_interval: '1s' }] } : {}),
    })),
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  const url = `http://127.0.0.1:${port}`;
  const d = spawnDaemon(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { dir, port, url, name: 'prometheus' },
  );
  await waitFor(`prometheus on ${url} (log: ${d.logFile})`, async () => (await fetch(`${url}/-/ready`)).ok, {
    timeoutMs: 30_000,
  });
  return {
    ...d,
    async query(expr: string) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; data: { result: [] }; error?: string };
      if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
      return body.data.result;
    },
  };
}
