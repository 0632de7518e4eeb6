/**
 * @jest-environment node
 */
import { cpSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import schema from './static/plugin.schema.json';
import { validatePluginDist } from './static/validate-plugin';

const root = join(__dirname, '..');

describe('built datasource plugin (static validation)', () => {
  it('passes every check on dist/', () => {
    expect(validatePluginDist(root, schema)).toEqual([]);
  });

  it('declares one data proxy route per method, each injecting a token from secureJsonData', () => {
    const pluginJson = JSON.parse(readFileSync(join(root, 'dist/plugin.json'), 'utf8'));
    // what each route lets through is exercised in data-proxy.test.ts
    expect(pluginJson.routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`)).toEqual([
      'POST detector/api/v1/score',
      'GET detector',
      'GET remediator',
    ]);
    for (const r of pluginJson.routes) {
      expect(r.headers[0].content).toMatch(/\{\{ \.SecureJsonData\.\w+Token \}\}/);
    }
  });
});

describe('validatePluginDist', () => {
  let copy: string;
  beforeEach(() => {
    copy = mkdtempSync(join(tmpdir(), 'homeostat-validate-'));
    cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(copy, 'package.json'));
  });
  afterEach(() => rmSync(copy, { recursive: true, force: true }));

  const edit = (path: string, f: (s: string) => string) =>
    writeFileSync(join(copy, path), f(readFileSync(join(copy, path), 'utf8')));

  it.each([
    ['a jsx-runtime external', 'dist/module.js', (s: string) => s.replace('define([', 'define(["react/jsx-runtime",'), /react\/jsx-runtime/],
    ['a bad id', 'dist/plugin.json', (s: string) => s.replace('homeostat-anomaly-datasource', 'Homeostat_DS'), /id "Homeostat_DS"/],
    ['a version mismatch', 'package.json', (s: string) => s.replace('"version": "0.1.0"', '"version": "0.2.0"'), /differs from package.json/],
    ['an unknown plugin.json key', 'dist/plugin.json', (s: string) => s.replace('"metrics": true', '"metrics": true, "metricz": 1'), /additional properties/],
    ['a missing screenshot', 'dist/plugin.json', (s: string) => s.replace('img/screenshot-scores.svg', 'img/nope.png'), /img\/nope.png/],
  ])('reports %s', (_name, path, change, problem) => {
    edit(path, change);
    expect(validatePluginDist(copy, schema).join('\n')).toMatch(problem);
  });

  it('reports a missing source map', () => {
    rmSync(join(copy, 'dist/module.js.map'));
    expect(validatePluginDist(copy, schema)).toContain('dist/module.js.map missing or empty');
  });
});
