#!/usr/bin/env node
// Makes deploy/schemas/kubernetes/definitions.json from a full Kubernetes OpenAPI v2 document
// (swagger.json): keeps the definitions reachable from the kinds listed below, drops descriptions.
// Usage: node deploy/scripts/prune-k8s-openapi.mjs <swagger.json> [<kubernetes version>]
// (Source of the committed copy: see deploy/schemas/SOURCES.md.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KINDS = [
  'io.k8s.api.core.v1.Namespace',
  'io.k8s.api.core.v1.ConfigMap',
  'io.k8s.api.core.v1.Secret',
  'io.k8s.api.core.v1.Service',
  'io.k8s.api.core.v1.ServiceAccount',
  'io.k8s.api.core.v1.PersistentVolumeClaim',
  'io.k8s.api.apps.v1.Deployment',
  'io.k8s.api.apps.v1.StatefulSet',
  'io.k8s.api.apps.v1.DaemonSet',
  'io.k8s.api.batch.v1.Job',
  'io.k8s.api.batch.v1.CronJob',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  'io.k8s.api.policy.v1.PodDisruptionBudget',
  'io.k8s.api.networking.v1.NetworkPolicy',
  'io.k8s.api.networking.v1.Ingress',
  'io.k8s.api.rbac.v1.Role',
  'io.k8s.api.rbac.v1.RoleBinding',
  'io.k8s.api.rbac.v1.ClusterRole',
  'io.k8s.api.rbac.v1.ClusterRoleBinding',
  'io.k8s.api.coordination.v1.Lease',
];

const [input, version = 'unknown'] = process.argv.slice(2);
if (!input) {
  console.error('usage: prune-k8s-openapi.mjs <swagger.json> [<kubernetes version>]');
  process.exit(2);
}
const swagger = JSON.parse(readFileSync(input, 'utf8'));
const all = swagger.definitions;
const keep = new Set();
const visit = (name) => {
  if (keep.has(name)) return;
  if (!all[name]) throw new Error(`definition ${name} not in ${input}`);
  keep.add(name);
  JSON.stringify(all[name], (k, v) => {
    if (k === '$ref' && typeof v === 'string') visit(v.replace('#/definitions/', ''));
    return v;
  });
};
KINDS.forEach(visit);
const strip = (v) => {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'description') out[k] = strip(x);
    return out;
  }
  return v;
};
const definitions = Object.fromEntries([...keep].sort().map((n) => [n, strip(all[n])]));
const out = join(new URL('..', import.meta.url).pathname, 'schemas/kubernetes/definitions.json');
writeFileSync(out, JSON.stringify({ kubernetesVersion: version, kinds: KINDS, definitions }) + '\n');
console.log(`${keep.size} definitions for ${KINDS.length} kinds -> ${out}`);
