/**
 * @jest-environment node
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkDashboard, checkImportInputs, readProvisioned } from './provisioning/check-dashboards';
import { provisionDatasources, StoredDatasource } from './provisioning/datasource-provisioner';

// Installing Homeostat into a Grafana that already runs: the files the READMEs tell an admin to copy
// meet that Grafana's own datasources, as Grafana's provisioner treats them.
const repo = join(__dirname, '../..');
const INSTALL_DATASOURCES = [join(repo, 'provisioning/grafana/datasources/homeostat.yaml')];
const COMPOSE_ONLY = join(repo, 'provisioning/grafana/datasources/compose-prometheus.yaml');

const hostPrometheus: StoredDatasource = {
  orgId: 1,
  name: 'Prometheus',
  uid: 'corp-prometheus',
  type: 'prometheus',
  url: 'https://prometheus.corp.example:9090',
  access: 'proxy',
  isDefault: true,
  jsonData: { httpMethod: 'POST', timeInterval: '30s' },
};
const hostLoki: StoredDatasource = { ...hostPrometheus, name: 'Loki', uid: 'corp-loki', type: 'loki', url: 'http://loki:3100', isDefault: false, jsonData: {} };

describe('installing into a Grafana that already has a default Prometheus', () => {
  const after = provisionDatasources([hostPrometheus, hostLoki], INSTALL_DATASOURCES);

  it('changes nothing of the datasources it had, and leaves its Prometheus the default', () => {
    expect(after.filter((d) => d.type !== 'homeostat-anomaly-datasource')).toEqual([hostPrometheus, hostLoki]);
    expect(after.filter((d) => d.isDefault).map((d) => d.uid)).toEqual(['corp-prometheus']);
  });

  it('adds the Homeostat datasource, with no URL of its own for unrouted requests to reach', () => {
    const added = after.filter((d) => d.type === 'homeostat-anomaly-datasource');
    expect(added).toEqual([expect.objectContaining({ name: 'Homeostat', uid: 'homeostat', isDefault: false, url: '', access: 'proxy' })]);
  });

  it('the compose-only Prometheus file would overwrite it: that is why it is kept apart', () => {
    const composed = provisionDatasources([hostPrometheus], [...INSTALL_DATASOURCES, COMPOSE_ONLY]);
    expect(composed.find((d) => d.name === 'Prometheus')).not.toEqual(hostPrometheus);
  });

  const hostOnly = {
    ...readProvisioned(repo),
    datasources: new Map(after.map((d) => [d.uid, d.type])),
  };
  const dashboards = readdirSync(join(repo, 'dashboards'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(repo, 'dashboards', f), 'utf8'))] as const);

  it.each(dashboards)('%s loads on that Grafana: every datasource is the host’s or chosen through a variable', (_f, d) => {
    expect(checkDashboard(d, hostOnly)).toEqual([]);
    const prometheusVar = d.templating.list.find((v: { type: string; query: string }) => v.type === 'datasource' && v.query === 'prometheus');
    expect(prometheusVar).toBeDefined();
  });

  it.each(dashboards)('%s can be imported: its datasource inputs are declared and used', (_f, d) => {
    expect(checkImportInputs(d)).toEqual([]);
    expect(d.__inputs.map((i: { pluginId: string }) => i.pluginId).sort()).toEqual(['homeostat-anomaly-datasource', 'prometheus']);
  });
});
