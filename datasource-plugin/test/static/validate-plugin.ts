import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Offline stand-in for @grafana/plugin-validator's cheap analyzers, run on a built plugin's dist/:
 * schema, id, version, module.js + map, AMD externals, logos and screenshots, README/LICENSE, safe SVGs.
 * Returns the problems found; an empty list means the plugin passes.
 */

/**
 * Modules Grafana 11.6.0 (our floor) shares with plugins. react/jsx-runtime is shared only from
 * 11.6.11 / 12.0.10 on, so importing it would break older 11.6 servers: it is not in this list.
 */
export const SHARED_BY_FLOOR = new Set([
  'module',
  'react',
  'react-dom',
  '@grafana/data',
  '@grafana/ui',
  '@grafana/runtime',
  '@emotion/css',
  '@emotion/react',
  'rxjs',
  'rxjs/operators',
  'lodash',
  'moment',
  'jquery',
  'd3',
  'i18next',
  'react-redux',
  'redux',
  'react-router',
  'react-router-dom',
  'prismjs',
  'slate',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'emotion',
]);

const ID_PATTERN = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/;

export interface PluginJson {
  id: string;
  type: string;
  info: {
    version: string;
    updated: string;
    logos: { small: string; large: string };
    screenshots?: Array<{ name?: string; path?: string }>;
  };
  dependencies: { grafanaDependency: string };
}

/** The AMD dependency list of a webpack `library.type: amd` bundle: `define(["a","b"],...)`. */
export function amdDependencies(moduleJs: string): string[] | null {
  const m = /^\s*define\(\s*(\[[^\]]*\])/.exec(moduleJs);
  return m ? (JSON.parse(m[1]) as string[]) : null;
}

export function validatePluginDist(pluginRoot: string, schema: object): string[] {
  const problems: string[] = [];
  const dist = join(pluginRoot, 'dist');
  const file = (p: string) => join(dist, p);
  if (!existsSync(file('plugin.json'))) {
    return ['dist/plugin.json missing: run the build'];
  }
  const pluginJson = JSON.parse(readFileSync(file('plugin.json'), 'utf8')) as PluginJson;
  const pkg = JSON.parse(readFileSync(join(pluginRoot, 'package.json'), 'utf8')) as { version: string };

  // Grafana's patterns escape '-' (valid in JS regexps, not under the u flag Ajv uses by default).
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  const { $schema: _ignored, ...schemaBody } = schema as Record<string, unknown>;
  const validate = ajv.compile(schemaBody);
  if (!validate(pluginJson)) {
    for (const e of validate.errors ?? []) {
      problems.push(`plugin.json${e.instancePath || ''}: ${e.message}`);
    }
  }
  if (!ID_PATTERN.test(pluginJson.id) || !pluginJson.id.endsWith(`-${pluginJson.type}`)) {
    problems.push(`id "${pluginJson.id}" must be <org>-<name>-${pluginJson.type}, lower case`);
  }
  if (pluginJson.info.version !== pkg.version) {
    problems.push(`info.version ${pluginJson.info.version} differs from package.json version ${pkg.version}`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(pluginJson.info.updated)) {
    problems.push(`info.updated "${pluginJson.info.updated}" was not filled in by the build`);
  }
  if (!/^>=\d+\.\d+\.\d+$/.test(pluginJson.dependencies.grafanaDependency)) {
    problems.push(`dependencies.grafanaDependency "${pluginJson.dependencies.grafanaDependency}" is not a >=x.y.z range`);
  }

  for (const f of ['module.js', 'module.js.map', 'README.md', 'CHANGELOG.md', 'LICENSE']) {
    if (!existsSync(file(f)) || statSync(file(f)).size === 0) {
      problems.push(`dist/${f} missing or empty`);
    }
  }
  if (existsSync(file('module.js'))) {
    const deps = amdDependencies(readFileSync(file('module.js'), 'utf8'));
    if (!deps) {
      problems.push('module.js is not an AMD module (no define([...]) at its start)');
    } else {
      for (const d of deps) {
        if (!SHARED_BY_FLOOR.has(d)) {
          problems.push(`module.js imports "${d}", which Grafana ${pluginJson.dependencies.grafanaDependency} does not share`);
        }
      }
    }
  }

  const images = [
    pluginJson.info.logos.small,
    pluginJson.info.logos.large,
    ...(pluginJson.info.screenshots ?? []).map((s) => s.path ?? ''),
  ];
  for (const img of images) {
    if (!img || !existsSync(file(img))) {
      problems.push(`image "${img}" named in plugin.json is not in dist/`);
    } else if (img.endsWith('.svg')) {
      const svg = readFileSync(file(img), 'utf8');
      if (/<script|\son[a-z]+\s*=|javascript:/i.test(svg)) {
        problems.push(`image "${img}" contains script`);
      }
    }
  }
  return problems;
}
