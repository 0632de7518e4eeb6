#!/usr/bin/env node
// Makes deploy/schemas/crds/<group>_<plural>.json from CustomResourceDefinition YAML files: the
// openAPIV3Schema of every served version, descriptions dropped.
// Usage: node deploy/scripts/extract-crd-schemas.mjs <crd.yaml>...   (sources: deploy/schemas/SOURCES.md)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const strip = (v) => {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'description') out[k] = strip(x);
    return out;
  }
  return v;
};
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    const { group, names, versions } = crd.spec;
    const out = {
      group,
      kind: names.kind,
      operatorVersion: crd.metadata.annotations?.['operator.prometheus.io/version'] ?? null,
      versions: Object.fromEntries(
        versions.filter((v) => v.served).map((v) => [v.name, strip(v.schema.openAPIV3Schema)]),
      ),
    };
    const target = join(new URL('..', import.meta.url).pathname, `schemas/crds/${group}_${names.plural}.json`);
    writeFileSync(target, JSON.stringify(out) + '\n');
    console.log(`${names.kind} (${Object.keys(out.versions).join(', ')}) -> ${target}`);
  }
}
