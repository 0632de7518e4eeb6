import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { stringify } from 'yaml';
import { freePort, makeTempDir, spawnDaemon, waitFor, type Daemon } from '@homeostat/testkit';
import { alertmanagerConfig } from '@homeostat/chaos/dist/stack/alertmanager-config';
import { detectorConfig } from '@homeostat/chaos/dist/stack/detector-config';
import { DEMO_SERVICES } from '@homeostat/chaos/dist/stack/local-fleet';
import { alertRules, prometheusConfig } from '@homeostat/chaos/dist/stack/prometheus-config';
import { ENTRY_POINTS } from '@homeostat/chaos/dist/stack/repo-paths';
import type { Stack } from '@homeostat/chaos/dist/stack/start-stack';
import { DockerFleet, PROJECT, buildDemoImage, healthy, removeEverything } from './docker-fleet';

export interface DockerStack extends Stack {
  alertmanagerUrl: string;
  fleet: DockerFleet;
}

/**
 * The remediator's policy for the containers: the same alerts and ladders as chaos's local stack,
 * acting through the Docker actuator on compose service `{{service}}` of PROJECT.
 */
function remediatorPolicy(): Record<string, unknown> {
  const common = {
    target: { actuator: 'docker', kind: 'compose-service', name: '{{service}}', namespace: PROJECT },
    allow: [...DEMO_SERVICES],
    cooldownSeconds: 20,
    maxAttempts: 3,
    verify: { timeoutSeconds: 120, stableSeconds: 5, intervalSeconds: 1 },
  };
  return {
    defaults: { budget: { maxActions: 20, windowSeconds: 3600 }, replicas: { min: 1, max: 3 } },
    rules: [
      { name: 'target-down', match: { alertname: 'HomeostatTargetDown' }, ladder: [{ action: 'restart', params: { graceSeconds: 2 } }], ...common },
      { name: 'errors-or-memory', match: { alertname: 'HomeostatAnomaly' }, matchRe: { top_feature: 'error_ratio|memory' }, ladder: [{ action: 'restart' }, { action: 'scale_out' }], ...common },
      { name: 'load', match: { alertname: 'HomeostatAnomaly' }, ladder: [{ action: 'scale_out' }, { action: 'restart' }], ...common },
    ],
  };
}

/**
 * Issue 7's Docker variant of chaos's local stack: the demo backends as containers on a real
 * dockerd; the gateway, Prometheus, Alertmanager, the detector and the remediator (Docker
 * actuator) as processes. A discovery loop plays compose's part: every second it lists the
 * project's containers (clones included) and writes the gateway's upstreams file and Prometheus'
 * file_sd, so a replica the remediator adds gets traffic and is scraped once it is ready.
 */
export async function startDockerStack(log: (m: string) => void): Promise<DockerStack> {
  const docker = new Docker();
  const dir = makeTempDir('e2e-docker');
  const adminToken = process.env.HOMEOSTAT_ADMIN_TOKEN ?? randomBytes(16).toString('hex');
  const daemons: Daemon[] = [];
  let timer: NodeJS.Timeout | null = null;
  const stop = async () => {
    if (timer) clearInterval(timer);
    for (const d of [...daemons].reverse()) await d.stop();
    await removeEverything(docker);
  };
  try {
    await removeEverything(docker, { image: true, stale: true });
    log('building the demo image (docker import)');
    await buildDemoImage();
    log('starting orders, payments and inventory as containers');
    const fleet = await DockerFleet.start(docker, DEMO_SERVICES, adminToken);

    const upstreamsFile = join(dir, 'upstreams.json');
    const sdFile = join(dir, 'demo-targets.json');
    const gwPort = await freePort();
    const gatewayUrl = `http://127.0.0.1:${gwPort}`;
    // like a readiness probe: a container joins the gateway and Prometheus once it has answered
    // /healthz (a clone still booting is not "down"), and stays after that, exited or not, so a
    // crashed one is a target with up == 0, as with compose's docker_sd
    const ready = new Set<string>();
    const sync = async () => {
      const all = await fleet.replicas();
      for (const r of all) if (!ready.has(r.id) && r.running && (await healthy(Number(new URL(r.url).port)))) ready.add(r.id);
      const replicas = all.filter((r) => ready.has(r.id));
      const upstreams: Record<string, string[]> = {};
      for (const s of DEMO_SERVICES) upstreams[s] = replicas.filter((r) => r.service === s).map((r) => r.url).sort();
      const text = JSON.stringify(upstreams);
      if (!existsSync(upstreamsFile) || readFileSync(upstreamsFile, 'utf8') !== text) writeFileSync(upstreamsFile, text);
      // labels as provisioning/prometheus/prometheus.yml gives compose's containers: service and
      // container, so a HomeostatTargetDown alert names the replica that is down
      const groups = [
        { targets: [`127.0.0.1:${gwPort}`], labels: { service: 'gateway' } },
        ...replicas.map((r) => ({ targets: [new URL(r.url).host], labels: { service: r.service, container: r.name } })),
      ];
      writeFileSync(`${sdFile}.tmp`, JSON.stringify(groups));
      renameSync(`${sdFile}.tmp`, sdFile);
    };
    await sync();
    timer = setInterval(() => void sync().catch(() => undefined), 1000);
    timer.unref();

    const gw = spawnDaemon(
      process.execPath,
      [ENTRY_POINTS.gateway, '--port', String(gwPort), '--upstreams-file', upstreamsFile, '--file-interval-ms', '500'],
      { dir, port: gwPort, url: gatewayUrl, name: 'gateway', env: { HOMEOSTAT_ADMIN_TOKEN: adminToken } },
    );
    daemons.push(gw);
    await waitFor(`gateway (log: ${gw.logFile})`, async () => (await fetch(`${gatewayUrl}/healthz`)).ok, { timeoutMs: 30_000 });

    const [promPort, amPort, remPort, detPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
    const remediatorUrl = `http://127.0.0.1:${remPort}`;
    const detectorUrl = `http://127.0.0.1:${detPort}`;

    const tokenFile = join(dir, 'remediator-webhook.token');
    writeFileSync(tokenFile, randomBytes(16).toString('hex'), { mode: 0o600 });
    const remConfig = join(dir, 'remediator.yml');
    writeFileSync(
      remConfig,
      stringify({
        server: { host: '127.0.0.1', port: remPort, logLevel: 'warn' },
        auth: { bearerTokens: [{ file: tokenFile }] },
        storage: { file: join(dir, 'remediator.db') },
        prometheus: { url: prometheusUrl },
        alertmanager: { url: alertmanagerUrl },
        docker: { socketPath: '/var/run/docker.sock' },
        policy: remediatorPolicy(),
      }),
    );
    log(`starting remediator (Docker actuator) on ${remediatorUrl}`);
    const rem = spawnDaemon(process.execPath, [ENTRY_POINTS.remediator, 'serve', '--config', remConfig], { dir, port: remPort, url: remediatorUrl, name: 'remediator', env: { HOMEOSTAT_ADMIN_TOKEN: adminToken } });
    daemons.push(rem);
    await waitFor(`remediator (log: ${rem.logFile})`, async () => (await fetch(`${remediatorUrl}/healthz`)).ok, { timeoutMs: 30_000 });

    const amDir = join(dir, 'alertmanager');
    mkdirSync(amDir, { recursive: true });
    const amConfig = join(amDir, 'alertmanager.yml');
    writeFileSync(amConfig, stringify(alertmanagerConfig(remediatorUrl, tokenFile)));
    const am = spawnDaemon(
      'prometheus-alertmanager',
      [`--config.file=${amConfig}`, `--storage.path=${join(amDir, 'data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn'],
      { dir: amDir, port: amPort, url: alertmanagerUrl, name: 'alertmanager' },
    );
    daemons.push(am);
    await waitFor(`alertmanager (log: ${am.logFile})`, async () => (await fetch(`${alertmanagerUrl}/-/ready`)).ok, { timeoutMs: 30_000 });

    const detConfig = join(dir, 'detector.yml');
    writeFileSync(detConfig, stringify(detectorConfig({ prometheusUrl, port: detPort, dataDir: join(dir, 'detector-data') })));
    const det = spawnDaemon(process.execPath, [ENTRY_POINTS.detector, 'serve', '--config', detConfig], { dir, port: detPort, url: detectorUrl, name: 'detector' });
    daemons.push(det);
    await waitFor(`detector (log: ${det.logFile})`, async () => (await fetch(`${detectorUrl}/healthz`)).ok, { timeoutMs: 30_000 });

    const promDir = join(dir, 'prometheus');
    mkdirSync(promDir, { recursive: true });
    const rules = join(promDir, 'homeostat-rules.yml');
    writeFileSync(rules, stringify(alertRules()));
    const promConfig = join(promDir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      stringify(prometheusConfig({
          demoTargetsFile: sdFile,
          // the detector's scores reach the alert rules by being scraped
          homeostatTargets: [
            { service: 'detector', address: `127.0.0.1:${detPort}` },
            { service: 'remediator', address: `127.0.0.1:${remPort}` },
          ],
          ruleFiles: [rules], alertmanager: `127.0.0.1:${amPort}`, scrapeIntervalSeconds: 1 })),
    );
    log(`starting prometheus on ${prometheusUrl}`);
    const prom = spawnDaemon(
      'prometheus',
      [`--config.file=${promConfig}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
      { dir: promDir, port: promPort, url: prometheusUrl, name: 'prometheus' },
    );
    daemons.push(prom);
    await waitFor(`prometheus (log: ${prom.logFile})`, async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, { timeoutMs: 30_000 });

    return {
      dir,
      heal: true,
      adminToken,
      gatewayUrl,
      prometheusUrl,
      detectorUrl,
      remediatorUrl,
      alertmanagerUrl,
      fleet,
      serviceUrl: (s) => fleet.url(s),
      restartIfDown: (s) => fleet.restartIfDown(s),
      stop,
    };
  } catch (e) {
    await stop();
    throw new Error(`could not start the Docker stack: ${(e as Error).message} (logs in ${dir})`, { cause: e });
  }
}
