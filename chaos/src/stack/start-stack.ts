import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, makeTempDir, spawnDaemon, waitFor, type Daemon } from '@homeostat/testkit';
import { ChaosError } from '../errors';
import { alertmanagerConfig } from './alertmanager-config';
import { detectorConfig } from './detector-config';
import { DEMO_SERVICES, LocalFleet } from './local-fleet';
import { freePortRange } from './port-range';
import { alertRules, prometheusConfig } from './prometheus-config';
import { remediatorConfig } from './remediator-config';
import { ensureBuilt, requireBuilt } from './ensure-built';
import { ENTRY_POINTS } from './repo-paths';
import { upstreamTargets, writeFileSd } from './target-discovery';

export interface StackOptions {
  heal: boolean;
  /** Where configs, data and logs go; a fresh temp dir otherwise. */
  dir?: string;
  scrapeIntervalSeconds?: number;
  log?: (msg: string) => void;
}

export interface Stack {
  dir: string;
  heal: boolean;
  adminToken: string;
  gatewayUrl: string;
  prometheusUrl: string;
  detectorUrl: string | null;
  remediatorUrl: string | null;
  /** Base URL of a service's first process (where faults are injected). */
  serviceUrl(service: string): string;
  /** Starts a backend again if its process is gone (no-heal rollback); false when it was up or not ours. */
  restartIfDown(service: string): Promise<boolean>;
  stop(): Promise<void>;
}

const ADMIN_TOKEN_ENV = 'HOMEOSTAT_ADMIN_TOKEN';

/** Fails with one clear message when --heal on cannot work (detector or remediator not built). */
export function assertHealBuilt(log?: (m: string) => void): void {
  const missing = ensureBuilt(['detector', 'remediator'], log);
  if (missing.length) {
    throw new ChaosError(
      'NOT_BUILT',
      `--heal on needs ${missing.join(' and ')} (${missing.map((m) => ENTRY_POINTS[m]).join(', ')} missing); ` +
        `run: npm run build -w @homeostat/detector -w @homeostat/remediator, or use --heal off`,
      { field: 'heal' },
    );
  }
}

/**
 * Starts the local stack: the demo fleet, Prometheus (1 s scrape, file_sd kept in sync with the
 * gateway's replicas) and, with heal on, Alertmanager, the detector and the remediator, all on
 * free loopback ports with generated configs. stop() ends every process it started.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => {});
  requireBuilt(['backend', 'gateway'], log);
  if (opts.heal) assertHealBuilt(log);
  const dir = opts.dir ?? makeTempDir('chaos-stack');
  mkdirSync(dir, { recursive: true });
  const adminToken = process.env[ADMIN_TOKEN_ENV] ?? randomBytes(16).toString('hex');
  // passed to the children that need it, never through this process' environment: the fleet protects
  // /admin with it; the remediator's gateway client sends it and the backends it starts inherit it
  const adminEnv = { [ADMIN_TOKEN_ENV]: adminToken };
  const daemons: Daemon[] = [];
  // freePort() releases the port it found, so two calls can return the same one: keep them distinct
  const taken = new Set<number>();
  const port = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  let fleet: LocalFleet | null = null;
  let syncTimer: NodeJS.Timeout | null = null;
  const stop = async () => {
    if (syncTimer) clearInterval(syncTimer);
    for (const d of [...daemons].reverse()) await d.stop();
    await fleet?.stop();
  };
  try {
    const scrape = opts.scrapeIntervalSeconds ?? 1;
    const promPort = await port();
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    let remediatorUrl: string | null = null;
    let detectorUrl: string | null = null;
    let alertmanagerAddr: string | undefined;
    const homeostatTargets: { service: string; address: string }[] = [];

    if (opts.heal) {
      const gatewayPort = await port();
      const amPort = await port();
      const remPort = await port();
      alertmanagerAddr = `127.0.0.1:${amPort}`;
      remediatorUrl = `http://127.0.0.1:${remPort}`;
      const webhookToken = randomBytes(16).toString('hex');
      const tokenFile = join(dir, 'remediator-webhook.token');
      writeFileSync(tokenFile, webhookToken, { mode: 0o600 });
      const backendPorts: Record<string, number> = {};
      const groups = [];
      for (const service of DEMO_SERVICES) {
        backendPorts[service] = await port();
        groups.push({
          name: service,
          command: [process.execPath, ENTRY_POINTS.backend, '--service', service, '--port', '{port}'],
          ports: [backendPorts[service]],
          replicaPorts: await freePortRange(4, taken),
        });
      }
      const remConfigFile = join(dir, 'remediator.yml');
      writeFileSync(
        remConfigFile,
        stringify(
          remediatorConfig({
            port: remPort,
            tokenFile,
            storageFile: join(dir, 'remediator.db'),
            prometheusUrl,
            alertmanagerUrl: `http://${alertmanagerAddr}`,
            gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
            adminTokenEnv: ADMIN_TOKEN_ENV,
            groups,
          }),
        ),
      );
      log(`starting remediator on ${remediatorUrl} (it starts the backends)`);
      const rem = spawnDaemon(process.execPath, [ENTRY_POINTS.remediator, 'serve', '--config', remConfigFile], {
        dir,
        port: remPort,
        url: remediatorUrl,
        name: 'remediator',
        env: adminEnv,
      });
      daemons.push(rem);
      // the kill-switch route is the remediator's own: a backend answering /healthz on a reused port must not pass
      await waitFor(`remediator on ${remediatorUrl} (log: ${rem.logFile})`, async () => {
        if (rem.child.exitCode !== null) throw new Error(`exited with ${rem.child.exitCode}`);
        return (await fetch(`${remediatorUrl}/api/v1/kill-switch`)).ok;
      }, {
        timeoutMs: 30_000,
      });
      homeostatTargets.push({ service: 'remediator', address: `127.0.0.1:${remPort}` });
      fleet = await LocalFleet.start({ dir, env: adminEnv, externalBackends: backendPorts, gatewayPort, allocatePort: port });

      const amDir = join(dir, 'alertmanager');
      mkdirSync(amDir, { recursive: true });
      const amConfig = join(amDir, 'alertmanager.yml');
      writeFileSync(amConfig, stringify(alertmanagerConfig(remediatorUrl, tokenFile)));
      log(`starting alertmanager on ${alertmanagerAddr}`);
      const am = spawnDaemon(
        'prometheus-alertmanager',
        [`--config.file=${amConfig}`, `--storage.path=${join(amDir, 'data')}`, `--web.listen-address=${alertmanagerAddr}`, '--cluster.listen-address=', '--log.level=warn'],
        { dir: amDir, port: amPort, url: `http://${alertmanagerAddr}`, name: 'alertmanager' },
      );
      daemons.push(am);
      await waitFor(`alertmanager (log: ${am.logFile})`, async () => (await fetch(`http://${alertmanagerAddr}/-/ready`)).ok, { timeoutMs: 30_000 });

      const detPort = await port();
      detectorUrl = `http://127.0.0.1:${detPort}`;
      const detConfigFile = join(dir, 'detector.yml');
      writeFileSync(detConfigFile, stringify(detectorConfig({ prometheusUrl, port: detPort, dataDir: join(dir, 'detector-data') })));
      log(`starting detector on ${detectorUrl}`);
      const det = spawnDaemon(process.execPath, [ENTRY_POINTS.detector, 'serve', '--config', detConfigFile], {
        dir,
        port: detPort,
        url: detectorUrl,
        name: 'detector',
      });
      daemons.push(det);
      await waitFor(`detector on ${detectorUrl} (log: ${det.logFile})`, async () => (await fetch(`${detectorUrl}/healthz`)).ok, { timeoutMs: 30_000 });
      homeostatTargets.push({ service: 'detector', address: `127.0.0.1:${detPort}` });
    } else {
      log('starting the demo fleet (gateway + orders, payments, inventory)');
      fleet = await LocalFleet.start({ dir, env: adminEnv, allocatePort: port });
    }
    const theFleet = fleet;

    // Prometheus: the demo job's targets follow the gateway's replicas (scale-out adds some)
    const sdFile = join(dir, 'demo-targets.json');
    const syncTargets = async () => {
      const own = theFleet.targets();
      const body = await fetch(`${theFleet.gatewayUrl}/admin/upstreams`, { headers: { authorization: `Bearer ${adminToken}` } })
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null);
      writeFileSd(sdFile, [...own, ...upstreamTargets(body)]);
    };
    await syncTargets();
    syncTimer = setInterval(() => void syncTargets(), 1000);
    syncTimer.unref();
    const promDir = join(dir, 'prometheus');
    mkdirSync(promDir, { recursive: true });
    const rulesFile = join(promDir, 'homeostat-rules.yml');
    writeFileSync(rulesFile, stringify(alertRules()));
    const promConfig = join(promDir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      stringify(
        prometheusConfig({
          demoTargetsFile: sdFile,
          homeostatTargets,
          ruleFiles: opts.heal ? [rulesFile] : [],
          alertmanager: alertmanagerAddr,
          scrapeIntervalSeconds: scrape,
        }),
      ),
    );
    log(`starting prometheus on ${prometheusUrl} (scrape ${scrape}s)`);
    const prom = spawnDaemon(
      'prometheus',
      [`--config.file=${promConfig}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
      { dir: promDir, port: promPort, url: prometheusUrl, name: 'prometheus' },
    );
    daemons.push(prom);
    await waitFor(`prometheus (log: ${prom.logFile})`, async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, { timeoutMs: 30_000 });

    return {
      dir,
      heal: opts.heal,
      adminToken,
      gatewayUrl: theFleet.gatewayUrl,
      prometheusUrl,
      detectorUrl,
      remediatorUrl,
      serviceUrl: (s) => theFleet.url(s),
      restartIfDown: (s) => theFleet.restartIfDown(s),
      stop,
    };
  } catch (e) {
    await stop();
    if (e instanceof ChaosError) throw e;
    throw new ChaosError('STACK_START_FAILED', `could not start the local stack: ${(e as Error).message} (logs in ${dir})`, { cause: e });
  }
}
