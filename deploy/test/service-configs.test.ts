import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfigFile as loadDetectorConfig, parseConfig as parseDetectorConfig } from '../../detector/src/service/config';
import { loadConfigFile as loadRemediatorConfig } from '../../remediator/src/config';
import type { K8sObject } from '../src/k8s-schema';
import { findObject, kustomizeBuild } from '../src/kustomize';
import { repoPath } from '../src/repo';
import type { Workload } from '../src/workloads';

// The shipped detector and remediator configurations, loaded by the services' own config loaders
// (the zod schemas they start with), so a key the service does not know fails here, not at start-up.
const base = kustomizeBuild(repoPath('k8s', 'base'));
const FLEET = ['gateway', 'inventory', 'orders', 'payments'];

/** `service=~"a|b"` or `service="a"` in a PromQL selector -> [a, b] */
function servicesSelected(expr: string): string[] {
  const m = /service=~?"([^"]+)"/.exec(expr);
  return m ? m[1].split('|') : [];
}

describe('detector configuration', () => {
  it('docker-compose: provisioning/detector/detector.yml loads and scores the fleet per service with the architecture queries', () => {
    const c = loadDetectorConfig(repoPath('provisioning', 'detector', 'detector.yml'));
    expect(c.server).toEqual({ host: '0.0.0.0', port: 8090 });
    expect(c.prometheus.url).toBe('http://prometheus:9090');
    expect(c.detectors).toHaveLength(1);
    expect(c.detectors[0].groupBy).toEqual(['service']);
    expect(Object.keys(c.detectors[0].queries).sort()).toEqual(['cpu', 'disk', 'error_ratio', 'latency_p95', 'memory', 'request_rate']);
    for (const q of Object.values(c.detectors[0].queries)) expect(q).toContain('job="demo"');
    // Grafana holds no reader token in the local demo (HOMEOSTAT_DETECTOR_TOKEN is empty): reads are
    // open there, and only there; no trace receiver, so nobody may post spans
    expect(c.auth).toMatchObject({ anonymousReads: true, disabled: false, traceTokens: [] });
    expect(c.traces.enabled).toBe(false);
  });

  describe('Kubernetes shards', () => {
    const sts = findObject<Workload>(base, 'StatefulSet', 'detector');
    const cm = findObject(base, 'ConfigMap', 'detector-config') as K8sObject & { data: Record<string, string> };
    const shardFiles = Object.keys(cm.data).filter((k) => /^shard-\d+\.yml$/.test(k)).sort();

    it('has one shard file per replica, numbered 0..replicas-1', () => {
      expect(shardFiles).toEqual(Array.from({ length: sts.spec.replicas ?? 1 }, (_, i) => `shard-${i}.yml`));
    });

    it('picks the shard file from the pod index label through the downward API', () => {
      const c = sts.spec.template.spec.containers[0];
      const idx = c.env?.find((e) => e.name === 'HOMEOSTAT_SHARD_INDEX');
      expect(idx?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['apps.kubernetes.io/pod-index']");
      expect(c.env?.find((e) => e.name === 'HOMEOSTAT_SHARD_COUNT')?.value).toBe(String(sts.spec.replicas));
      expect(c.args).toEqual(['serve', '--config', '/etc/homeostat/shard-$(HOMEOSTAT_SHARD_INDEX).yml']);
      const mount = c.volumeMounts?.find((m) => m.mountPath === '/etc/homeostat');
      const volume = sts.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
      expect(volume?.configMap?.name).toBe('detector-config');
    });

    it('partitions the fleet: every service is scored by exactly one shard, every query of a shard selects its services', () => {
      const owner = new Map<string, string[]>();
      for (const f of shardFiles) {
        const c = parseDetectorConfig(parse(cm.data[f]), '/');
        const perQuery = c.detectors.flatMap((d) => Object.values(d.queries).map((q) => servicesSelected(q).sort().join('|')));
        expect(new Set(perQuery).size).toBe(1); // all features of a shard cover the same services
        for (const s of perQuery[0].split('|')) owner.set(s, [...(owner.get(s) ?? []), f]);
      }
      expect([...owner.keys()].sort()).toEqual(FLEET);
      for (const [service, files] of owner) expect([service, files.length]).toEqual([service, 1]);
    });

    it('reads need the reader token the StatefulSet mounts from Secret detector-token; no anonymous reads', () => {
      const c = sts.spec.template.spec.containers[0];
      const mount = c.volumeMounts?.find((m) => m.mountPath === '/var/run/secrets/homeostat');
      const volume = sts.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
      expect(volume?.secret?.secretName).toBe('detector-token');
      const secret = findObject(base, 'Secret', 'detector-token') as K8sObject & { data: Record<string, string> };
      expect(Object.keys(secret.data)).toContain('reader');
      for (const f of shardFiles) {
        const auth = parseDetectorConfig(parse(cm.data[f]), '/').auth;
        expect([f, auth.readerTokens, auth.anonymousReads, auth.disabled]).toEqual([
          f,
          [{ file: '/var/run/secrets/homeostat/detector-reader-token' }],
          false,
          false,
        ]);
      }
    });
  });
});

describe('remediator configuration', () => {
  it('docker-compose: provisioning/remediator/remediator.yml and its policy load; every rule acts through Docker on the fleet only', () => {
    const { config, policy } = loadRemediatorConfig(repoPath('provisioning', 'remediator', 'remediator.yml'));
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.auth.bearerTokens).toEqual([{ file: '/run/secrets/remediator-token' }]);
    expect(config.docker?.socketPath).toBe('/var/run/docker.sock');
    expect(policy.rules.length).toBeGreaterThan(0);
    for (const r of policy.rules) {
      expect(r.target.actuator).toBe('docker');
      expect(r.match.remediate).toBe('true');
      for (const a of r.allow) expect(FLEET).toContain(a);
      // the Docker actuator's actions (remediator/src/actuators/docker.ts), plus notify
      for (const s of r.ladder) expect(['restart', 'stop', 'scale_out', 'scale_in', 'isolate', 'notify']).toContain(s.action);
    }
    const alerts = new Set(policy.rules.map((r) => r.match.alertname));
    expect(alerts).toEqual(new Set(['HomeostatAnomaly', 'HomeostatTargetDown']));
  });

  it('docker-compose profile postgres: remediator-postgres.yml is remediator.yml plus state from HOMEOSTAT_STATE_URL', () => {
    const sqlite = loadRemediatorConfig(repoPath('provisioning', 'remediator', 'remediator.yml')).config;
    const pg = loadRemediatorConfig(repoPath('provisioning', 'remediator', 'remediator-postgres.yml')).config;
    expect(pg.state?.url).toEqual({ env: 'HOMEOSTAT_STATE_URL' });
    const { state: _state, ...rest } = pg;
    expect(rest).toEqual(sqlite);
  });

  it('Kubernetes: the remediator-config ConfigMap loads; rules act on Deployments of namespace homeostat', () => {
    const cm = findObject(base, 'ConfigMap', 'remediator-config') as K8sObject & { data: Record<string, string> };
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-deploy-remediator-'));
    try {
      for (const [name, text] of Object.entries(cm.data)) writeFileSync(join(dir, name), text);
      const { config, policy } = loadRemediatorConfig(join(dir, 'remediator.yml'));
      expect(config.kubernetes?.leaderElection?.enabled).toBe(true);
      expect(config.auth.bearerTokens).toEqual([{ file: '/var/run/secrets/homeostat/remediator-token' }]);
      for (const r of policy.rules) {
        expect(r.target).toEqual(expect.objectContaining({ actuator: 'kubernetes', kind: 'deployment', namespace: 'homeostat' }));
        expect(r.match.remediate).toBe('true');
        for (const a of r.allow) expect(FLEET).toContain(a);
        // only actions the Role allows: shift_traffic / cache_enable would need services and configmaps
        for (const s of r.ladder) expect(['restart', 'scale_out', 'scale_in', 'isolate', 'notify']).toContain(s.action);
      }
      // the bearer token file is the Secret the Deployment mounts
      const d = findObject<Workload>(base, 'Deployment', 'remediator');
      const mount = d.spec.template.spec.containers[0].volumeMounts?.find((m) => m.mountPath === '/var/run/secrets/homeostat');
      const vol = d.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
      expect(vol?.secret?.secretName).toBe('remediator-token');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
