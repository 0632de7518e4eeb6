/**
 * @jest-environment node
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkDashboard, readProvisioned } from './provisioning/check-dashboards';

const repo = join(__dirname, '../..');
const provisioned = readProvisioned(repo);
const dashboards = readdirSync(join(repo, 'dashboards'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(repo, 'dashboards', f), 'utf8'))] as const);

describe('dashboards/', () => {
  it('has the overview and the per-service drill-down', () => {
    expect(dashboards.map(([, d]) => d.uid).sort()).toEqual(['homeostat-overview', 'homeostat-service']);
  });

  it.each(dashboards)('%s references only provisioned datasources, known panels and configured detectors', (_f, d) => {
    expect(checkDashboard(d, provisioned)).toEqual([]);
  });

  it('drill-down has a service variable used by its panels', () => {
    const d = dashboards.find(([, x]) => x.uid === 'homeostat-service')![1];
    expect(d.templating.list.map((v: { name: string }) => v.name)).toContain('service');
    expect(JSON.stringify(d.panels)).toContain('$service');
  });

  it('reports a panel whose datasource is not provisioned, and an unknown plugin', () => {
    const [, d] = dashboards[0];
    const broken = {
      ...d,
      panels: [
        { ...d.panels[0], datasource: { type: 'prometheus', uid: 'nope' } },
        { ...d.panels[1], id: 99, type: 'acme-unknown-panel' },
      ],
    };
    const problems = checkDashboard(broken, provisioned).join('\n');
    expect(problems).toMatch(/uid "nope" is not provisioned/);
    expect(problems).toMatch(/"acme-unknown-panel" is neither built in/);
  });
});

describe('provisioning/grafana', () => {
  const dir = join(repo, 'provisioning/grafana');

  it('provisions the Homeostat datasource with its plugin id, proxy access and tokens from the environment', () => {
    const doc = parse(readFileSync(join(dir, 'datasources/homeostat.yaml'), 'utf8'));
    const hs = doc.datasources.find((d: { uid: string }) => d.uid === 'homeostat');
    expect(hs.type).toBe('homeostat-anomaly-datasource');
    expect(hs.access).toBe('proxy');
    for (const v of Object.values(hs.secureJsonData)) {
      expect(v).toMatch(/^\$\{?[A-Z_]+\}?$/);
    }
    expect(Object.keys(hs.jsonData)).toEqual(['detectorUrl', 'remediatorUrl']);
  });

  it.each(['grafana.ini', 'grafana.env'])('%s allow-lists both unsigned plugin ids', (f) => {
    const text = readFileSync(join(dir, f), 'utf8');
    const line = text.split('\n').find((l) => /allow_loading_unsigned_plugins|ALLOW_LOADING_UNSIGNED_PLUGINS/.test(l) && !l.startsWith(';'))!;
    expect(line.split('=')[1].trim().split(',').sort()).toEqual([...provisioned.pluginIds].sort());
  });

  it('has a dashboard provider', () => {
    const doc = parse(readFileSync(join(dir, 'dashboards/homeostat.yaml'), 'utf8'));
    expect(doc.providers[0]).toMatchObject({ type: 'file', options: { path: expect.any(String) } });
  });
});
