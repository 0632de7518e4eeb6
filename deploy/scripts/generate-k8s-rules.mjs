#!/usr/bin/env node
// Writes the Kubernetes overlays' alert rules from provisioning/prometheus/rules/homeostat.yml (the
// single source); `npm run build` runs it (deploy's build script). kustomize cannot read files from
// outside k8s/, so the overlays get generated files, which git ignores:
//   k8s/overlays/plain/rules/homeostat.yml                       (ConfigMap homeostat-prometheus-rules)
//   k8s/overlays/prometheus-operator/prometheus-rule.yaml        (PrometheusRule spec.groups)
// The PrometheusRule adds namespace: homeostat to each alert (see below).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

const root = new URL('../..', import.meta.url).pathname;
const source = 'provisioning/prometheus/rules/homeostat.yml';
const text = readFileSync(join(root, source), 'utf8');
const rules = parse(text);

const write = (file, content) => {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), content);
};
const header = `# Generated from ${source} by \`npm run build\` (deploy/scripts/generate-k8s-rules.mjs); edit the source.\n`;
write('k8s/overlays/plain/rules/homeostat.yml', header + text);
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
write('k8s/overlays/prometheus-operator/prometheus-rule.yaml', header + stringify(prometheusRule, { lineWidth: 120 }));
console.log(`generated k8s/overlays/{plain/rules/homeostat.yml, prometheus-operator/prometheus-rule.yaml} from ${source}`);
