/** A scrape target of the local stack: one process, labelled with the service it is. */
export interface StackTarget {
  service: string;
  /** host:port */
  address: string;
  /** The container's name, for a replica that is one (as compose's docker_sd relabelling labels it). */
  container?: string;
}

export interface PrometheusConfigInput {
  /** file_sd JSON listing the fleet (rewritten as replicas come and go). */
  demoTargetsFile: string;
  /** Homeostat's own services (detector, remediator), scraped as job "homeostat". */
  homeostatTargets: StackTarget[];
  ruleFiles: string[];
  alertmanager?: string;
  scrapeIntervalSeconds: number;
}

/**
 * prometheus.yml of the local stack. Job "demo" is what the detector's queries and the alert rules
 * select on; `honor_labels` keeps the services' own `service` label instead of renaming it.
 */
export function prometheusConfig(i: PrometheusConfigInput): Record<string, unknown> {
  const group = (targets: StackTarget[]) =>
    targets.map((t) => ({ targets: [t.address], labels: { service: t.service } }));
  return {
    global: { scrape_interval: `${i.scrapeIntervalSeconds}s`, evaluation_interval: `${i.scrapeIntervalSeconds}s` },
    rule_files: i.ruleFiles,
    ...(i.alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [i.alertmanager] }] }] } } : {}),
    scrape_configs: [
      { job_name: 'demo', honor_labels: true, file_sd_configs: [{ files: [i.demoTargetsFile], refresh_interval: '5s' }] },
      ...(i.homeostatTargets.length ? [{ job_name: 'homeostat', honor_labels: true, static_configs: group(i.homeostatTargets) }] : []),
    ],
  };
}

/**
 * The alert rules of docs/architecture.md ("Alert rules -> remediator"), with short `for`s so a
 * local run sees healing within seconds.
 */
export function alertRules(): Record<string, unknown> {
  return {
    groups: [
      {
        name: 'homeostat',
        rules: [
          {
            alert: 'HomeostatAnomaly',
            expr: 'homeostat_anomaly_score > 1',
            // 5 consecutive seconds above 1: a lone noisy point must not scale anything
            for: '5s',
            labels: { severity: 'warning', remediate: 'true' },
            annotations: { summary: 'Anomaly on {{ $labels.service }} (score {{ $value }})' },
          },
          {
            alert: 'HomeostatTargetDown',
            // docs/architecture.md's rule is `up == 0`; with 1 s scrapes a busy process sometimes misses
            // one, so "no successful scrape for 4 s" keeps a slow scrape from restarting a healthy process
            expr: 'max_over_time(up{job="demo"}[4s]) == 0',
            for: '1s',
            labels: { severity: 'critical', remediate: 'true' },
            annotations: { summary: '{{ $labels.service }} is down' },
          },
        ],
      },
    ],
  };
}
