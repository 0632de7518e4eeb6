import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './repo-paths';

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

/** The project's alert rules (the source the k8s and compose rules are generated from). */
export const HOMEOSTAT_RULES_FILE = resolve(REPO_ROOT, 'provisioning/prometheus/rules/homeostat.yml');

/**
 * Faster triggers for a local run, by alert name: a chaos fault lasts a minute, not an hour. The
 * anomaly's two holds are a third of the shipped ones: a score above 1 must hold 10 s (7 s in the
 * window, then 3 s of `for`; the shipped 30 s are 20 + 10), a strong one above 1.5 the 3 s of `for`
 * (shipped 10 s). A service's 5–7 s blip while a neighbour restarts is not worth an action, and a
 * fault's anomaly now lasts as long as the fault. It is held
 * 10 s after its score clears (a third of the shipped `keep_firing_for: 30s`): campaigns put 20–30 s
 * between faults, and a fault on a service whose last alert was still held sent Alertmanager nothing
 * new (the campaign counted it undetected: 3 of 40 faults on seed 28558, 1 on 27182). Replayed through
 * this rule on both campaigns' scores, 10 s hid 0 and 1 and fired no new alert outside a fault. Target
 * down needs 4 s without a successful 1 s scrape (one lost scrape is not a crash), by a target that
 * is still one: a range function skips the stale marker of a target discovery dropped, so without
 * `and up` the last failed scrapes of a replica that went away (a clone removed) were all its window
 * held for 4 s, and it read as down for those 4 s after it was gone. The shipped rule (an instant
 * `up == 0`) already lets a gone target go.
 */
const LOCAL_OVERRIDES: Record<string, Record<string, string | ((shipped: string) => string)>> = {
  HomeostatAnomaly: {
    expr: (e) => replaceOnce(replaceOnce(e, '[20s]', '[7s]'), 'offset 20s', 'offset 7s'),
    for: '3s',
    keep_firing_for: '10s',
  },
  HomeostatTargetDown: {
    expr: 'max by (job, service) ((max_over_time(up{job="demo"}[4s]) == 0) and up{job="demo"})',
    for: '1s',
  },
};

/**
 * The project's own rules file, with the local triggers above: the stack evaluates the same
 * recording rules and annotations users deploy — `top_feature` picks the policy's ladder and
 * `root_cause` (the detector's incident verdict) lets the remediator skip downstream symptoms.
 */
export function alertRules(): Record<string, unknown> {
  const doc = parse(readFileSync(HOMEOSTAT_RULES_FILE, 'utf8')) as { groups: { rules: Record<string, unknown>[] }[] };
  for (const g of doc.groups) {
    g.rules = g.rules.map((r) => {
      const o = typeof r.alert === 'string' ? LOCAL_OVERRIDES[r.alert] : undefined;
      if (!o) return r;
      const local: Record<string, unknown> = { ...r };
      for (const [k, v] of Object.entries(o)) local[k] = typeof v === 'function' ? v(String(r[k])) : v;
      return local;
    });
  }
  return doc;
}

/** The shipped rule with one part changed; a shipped rule that no longer has it is an error, not a silent no-op. */
function replaceOnce(text: string, part: string, by: string): string {
  if (text.split(part).length !== 2) throw new Error(`the shipped HomeostatAnomaly rule has no single '${part}' to shorten`);
  return text.replace(part, by);
}
