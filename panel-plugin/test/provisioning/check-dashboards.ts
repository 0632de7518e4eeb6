import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { QUERY_TYPES } from '../../../datasource-plugin/src/types';
import { parseVariableQuery } from '../../../datasource-plugin/src/variable-query';

/** Panel types every Grafana >= 11.6 ships; anything else must be one of our plugins. */
const BUILT_IN_PANELS = new Set([
  'timeseries', 'stat', 'gauge', 'bargauge', 'barchart', 'table', 'text', 'state-timeline', 'status-history',
  'piechart', 'heatmap', 'logs', 'row', 'dashlist', 'news', 'histogram', 'xychart', 'trend', 'canvas',
]);
const BUILT_IN_DATASOURCES = new Set(['grafana', 'datasource', '-- Grafana --', '-- Mixed --', '-- Dashboard --']);

export interface Provisioned {
  datasources: Map<string, string>;
  pluginIds: Set<string>;
  detectorNames: Set<string>;
}

interface DsRef {
  type?: string;
  uid?: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every `datasource: {type, uid}` anywhere in a dashboard, with its JSON path. */
function datasourceRefs(node: Json, path: string, out: Array<[string, DsRef]>): Array<[string, DsRef]> {
  if (Array.isArray(node)) {
    node.forEach((n, i) => datasourceRefs(n, `${path}.${i}`, out));
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'datasource' && v && typeof v === 'object' && !Array.isArray(v)) {
        out.push([`${path}.${k}`, v as DsRef]);
      } else {
        datasourceRefs(v, `${path}.${k}`, out);
      }
    }
  }
  return out;
}

interface Target {
  refId?: string;
  datasource?: DsRef;
  queryType?: string;
  detector?: string;
}

interface Variable {
  name: string;
  type: string;
  query: string;
  datasource?: DsRef;
  current?: { value?: string };
}

const HOMEOSTAT_TYPE = 'homeostat-anomaly-datasource';

/** `${name}` / `$name`: a reference through a dashboard variable. */
function variableName(uid: string): string | undefined {
  return /^\$\{(\w+)\}$|^\$(\w+)$/.exec(uid)?.slice(1).find(Boolean);
}

/**
 * Problems of one dashboard against what is provisioned; empty when it will load and query. A
 * datasource is named either by a provisioned uid or, portably, through a datasource variable of the
 * same plugin type (which then picks the host's own datasource of that type).
 */
export function checkDashboard(dashboard: Record<string, Json>, p: Provisioned): string[] {
  const problems: string[] = [];
  const variables = ((dashboard.templating as unknown as { list?: Variable[] })?.list ?? []);
  for (const [path, ref] of datasourceRefs(dashboard, dashboard.uid as string, [])) {
    if (ref.uid && BUILT_IN_DATASOURCES.has(ref.uid)) {
      continue;
    }
    const viaVariable = ref.uid ? variableName(ref.uid) : undefined;
    if (viaVariable) {
      const v = variables.find((x) => x.name === viaVariable);
      if (!v || v.type !== 'datasource') {
        problems.push(`${path}: "${ref.uid}" is not a datasource variable of this dashboard`);
      } else if (ref.type && v.query !== ref.type) {
        problems.push(`${path}: variable ${v.name} lists ${v.query} datasources, not ${ref.type}`);
      }
    } else if (!ref.uid || !p.datasources.has(ref.uid)) {
      problems.push(`${path}: datasource uid "${ref.uid}" is not provisioned`);
    } else if (ref.type && p.datasources.get(ref.uid) !== ref.type) {
      problems.push(`${path}: datasource "${ref.uid}" is type ${p.datasources.get(ref.uid)}, not ${ref.type}`);
    }
  }
  const panels = (dashboard.panels ?? []) as unknown as Array<{ id: number; type: string; targets?: Target[] }>;
  const ids = new Set<number>();
  for (const panel of panels) {
    if (ids.has(panel.id)) {
      problems.push(`panel id ${panel.id} is used twice`);
    }
    ids.add(panel.id);
    if (!BUILT_IN_PANELS.has(panel.type) && !p.pluginIds.has(panel.type)) {
      problems.push(`panel ${panel.id}: type "${panel.type}" is neither built in nor a Homeostat plugin`);
    }
    for (const t of panel.targets ?? []) {
      if (t.datasource?.type === HOMEOSTAT_TYPE) {
        if (!QUERY_TYPES.includes(t.queryType as (typeof QUERY_TYPES)[number])) {
          problems.push(`panel ${panel.id} target ${t.refId}: unknown queryType "${t.queryType}"`);
        }
        if (t.detector && !t.detector.startsWith('$') && !p.detectorNames.has(t.detector)) {
          problems.push(`panel ${panel.id} target ${t.refId}: detector "${t.detector}" is not configured`);
        }
      }
    }
  }
  for (const v of variables) {
    if (v.datasource?.type === HOMEOSTAT_TYPE) {
      try {
        const q = parseVariableQuery(v.query);
        if (q.kind === 'entities' && !p.detectorNames.has(q.detector)) {
          problems.push(`variable ${v.name}: detector "${q.detector}" is not configured`);
        }
      } catch (err) {
        problems.push(`variable ${v.name}: ${(err as Error).message}`);
      }
    }
  }
  return problems;
}

/** Reads provisioning/grafana, both plugins' plugin.json and the stack's detector config. */
export function readProvisioned(repoRoot: string): Provisioned {
  const dsDir = join(repoRoot, 'provisioning/grafana/datasources');
  const datasources = new Map<string, string>();
  for (const f of readdirSync(dsDir).filter((n) => /\.ya?ml$/.test(n))) {
    const doc = parse(readFileSync(join(dsDir, f), 'utf8')) as { datasources: Array<{ uid: string; type: string }> };
    for (const ds of doc.datasources) {
      datasources.set(ds.uid, ds.type);
    }
  }
  const pluginIds = new Set(
    ['datasource-plugin', 'panel-plugin'].map(
      (d) => (JSON.parse(readFileSync(join(repoRoot, d, 'src/plugin.json'), 'utf8')) as { id: string }).id
    )
  );
  const detector = parse(readFileSync(join(repoRoot, 'provisioning/detector/detector.yml'), 'utf8')) as {
    detectors: Array<{ name?: string; job?: string }>;
  };
  const detectorNames = new Set(detector.detectors.map((d) => d.name ?? d.job ?? ''));
  return { datasources, pluginIds, detectorNames };
}

/**
 * What Grafana's import asks for: every `${DS_X}` in the JSON is declared in `__inputs` as a
 * datasource input, and every declared input is used (Grafana fills them in, then saves).
 */
export function checkImportInputs(dashboard: Record<string, Json>): string[] {
  const problems: string[] = [];
  const inputs = (dashboard.__inputs ?? []) as unknown as Array<{ name: string; type: string; pluginId: string }>;
  const declared = new Set(inputs.map((i) => i.name));
  const used = new Set([...JSON.stringify({ ...dashboard, __inputs: [] }).matchAll(/\$\{(DS_\w+)\}/g)].map((m) => m[1]));
  for (const name of used) {
    if (!declared.has(name)) {
      problems.push(`\${${name}} is used but not declared in __inputs`);
    }
  }
  for (const i of inputs) {
    if (!used.has(i.name)) {
      problems.push(`__inputs ${i.name} is declared but never used`);
    }
    if (i.type !== 'datasource' || !i.pluginId) {
      problems.push(`__inputs ${i.name} must be a datasource input with a pluginId`);
    }
  }
  return problems;
}
