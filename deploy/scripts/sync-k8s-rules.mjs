#!/usr/bin/env node
// Copies the alert rules of provisioning/prometheus/rules/homeostat.yml (the single source) into the
// two Kubernetes overlays, which kustomize cannot read from outside k8s/:
//   k8s/overlays/plain/rules/homeostat.yml                       (ConfigMap homeostat-prometheus-rules)
//   k8s/overlays/prometheus-operator/prometheus-rule.yaml        (PrometheusRule spec.groups)
// The PrometheusRule copy adds namespace: homeostat to each alert (see below).
// deploy/test fails when a copy differs; run `node deploy/scripts/sync-k8s-rules.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const root = new URL('../..', import.meta.url).pathname;
const source = 'provisioning/prometheus/rules/homeostat.yml';
const text = readFileSync(join(root, source), 'utf8');
const rules = parse(text);

const header = (why) => `# Generated from ${source} by \`node deploy/scripts/sync-k8s-rules.mjs\`; ${why}\n`;
writeFileSync(join(root, 'k8s/overlays/plain/rules/homeostat.yml'), header('edit the source, not this copy.') + text);
// prometheus-operator scopes an AlertmanagerConfig's routes to alerts labelled with its namespace
// (OnNamespace matcher strategy); `max by (service)` drops that label, so each alert states it.
const withNamespace = structuredClone(rules);
for (const group of withNamespace.groups) {
  for (const rule of group.rules) if (rule.alert) rule.labels = { ...rule.labels, namespace: 'homeostat' };
}
const prometheusRule = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'homeostat', labels: { 'app.kubernetes.io/name': 'homeostat-rules', release: 'kube-prometheus-stack' } },
  spec: withNamespace,
};
writeFileSync(
  join(root, 'k8s/overlays/prometheus-operator/prometheus-rule.yaml'),
  header('edit the source, not this copy.') + stringify(prometheusRule, { lineWidth: 120 }),
);
console.log(`synced ${source} -> k8s/overlays/{plain/rules/homeostat.yml, prometheus-operator/prometheus-rule.yaml}`);
