import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makeTempDir, type Daemon } from '@homeostat/testkit';
import { ChaosError } from '../errors';
import { alertmanagerConfig } from './alertmanager-config';
import { detectorConfig } from './detector-config';
import { planDockerFleet } from './docker-fleet';
import { ensureBuilt, requireBuilt } from './ensure-built';
import { startHomeostatService } from './homeostat-service';
import { ADMIN_TOKEN_ENV, DEMO_SERVICES, SCALE_OUT_HOLD_SECONDS, type Fleet, type FleetContext, type FleetKind, type FleetPlan } from './fleet';
import { planLocalFleet } from './local-fleet';
import { PortPool } from './port-pool';
import { alertRules, prometheusConfig, type StackTarget } from './prometheus-config';
import { remediatorConfig } from './remediator-config';
import { ENTRY_POINTS } from './repo-paths';
import { startDaemon } from './start-daemon';
import { writeFileSd } from './target-discovery';

export interface StackOptions {
  heal: boolean;
  /** How the demo backends run (default: local processes). */
  fleet?: FleetKind;
  /** Replicas per backend service at the start (default 1; the processes fleet only). */
  replicas?: number;
  /** Where configs, data and logs go; a fresh temp dir otherwise. */
  dir?: string;
  scrapeIntervalSeconds?: number;
  /** How long the remediator keeps a replica a scale-out added (default SCALE_OUT_HOLD_SECONDS). */
  scaleOutHoldSeconds?: number;
  log?: (msg: string) => void;
}

export interface Stack {
  dir: string;
  heal: boolean;
  adminToken: string;
  fleet: Fleet;
  /** Processes each backend started as (`--replicas`); a scale-out adds to them, a give-back never removes one. */
  replicas: number;
  gatewayUrl: string;
  prometheusUrl: string;
  alertmanagerUrl: string | null;
  detectorUrl: string | null;
  remediatorUrl: string | null;
  /** Base URL of a service's first process (a campaign injects into any replica that answers). */
  serviceUrl(service: string): string;
  /** Starts a backend again if its process is gone (no-heal rollback); false when it was up or not ours. */
  restartIfDown(service: string): Promise<boolean>;
  stop(): Promise<void>;
}

const PLAN: Record<FleetKind, (ctx: FleetContext) => Promise<FleetPlan>> = {
  processes: planLocalFleet,
  docker: planDockerFleet,
};

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
 * Starts the stack: the demo fleet (local processes or Docker containers), Prometheus (1 s scrape,
 * file_sd kept in sync with the fleet's replicas) and, with heal on, Alertmanager, the detector (which
 * also receives the fleet's traces over OTLP) and the remediator, all on free loopback ports with
 * generated configs. stop() ends every process it
 * started and removes every container.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => {});
  const replicas = opts.replicas ?? 1;
  requireBuilt(['backend', 'gateway'], log);
  if (opts.heal) assertHealBuilt(log);
  const dir = opts.dir ?? makeTempDir('chaos-stack');
  mkdirSync(dir, { recursive: true });
  const adminToken = process.env[ADMIN_TOKEN_ENV] ?? randomBytes(16).toString('hex');
  // passed to the children that need it, never through this process' environment: the fleet protects
  // /admin with it; the remediator's gateway client sends it and the backends it starts inherit it
  const adminEnv = { [ADMIN_TOKEN_ENV]: adminToken };
  const daemons: Daemon[] = [];
  const ports = new PortPool();
  let fleet: Fleet | null = null;
  let syncTimer: NodeJS.Timeout | null = null;
  const stop = async () => {
    if (syncTimer) clearInterval(syncTimer);
    for (const d of [...daemons].reverse()) await d.stop();
    await fleet?.stop();
  };
  const started = (d: Daemon): string => {
    daemons.push(d);
    return d.url;
  };
  try {
    const scrape = opts.scrapeIntervalSeconds ?? 1;
    const promPort = await ports.next();
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    let remediatorUrl: string | null = null;
    let detectorUrl: string | null = null;
    let alertmanagerUrl: string | null = null;
    const homeostatTargets: StackTarget[] = [];
    const serviceEnv: Record<string, string> = { ...adminEnv };

    if (opts.heal) {
      // first the detector: the fleet's services export their traces to it from their first request
      const detPort = await ports.next();
      const traceToken = randomBytes(16).toString('hex');
      const traceTokenFile = join(dir, 'detector-traces.token');
      writeFileSync(traceTokenFile, traceToken, { mode: 0o600 });
      const detConfig = detectorConfig({ prometheusUrl, port: detPort, dataDir: join(dir, 'detector-data'), traceTokenFile });
      detectorUrl = started(await startHomeostatService('detector', { dir, port: detPort, config: detConfig, log }));
      homeostatTargets.push({ service: 'detector', address: `127.0.0.1:${detPort}` });
      serviceEnv.OTEL_EXPORTER_OTLP_ENDPOINT = detectorUrl;
      // the detector's trace receiver answers only its trace token
      serviceEnv.OTEL_EXPORTER_OTLP_HEADERS = `Authorization=Bearer%20${traceToken}`;
    }
    const plan = await PLAN[opts.fleet ?? 'processes']({
      dir,
      adminToken,
      serviceEnv,
      ports,
      heal: opts.heal,
      replicas,
      scaleOutHoldSeconds: opts.scaleOutHoldSeconds ?? SCALE_OUT_HOLD_SECONDS,
      log,
    });

    if (opts.heal) {
      const amPort = await ports.next();
      const remPort = await ports.next();
      alertmanagerUrl = `http://127.0.0.1:${amPort}`;
      const tokenFile = join(dir, 'remediator-webhook.token');
      writeFileSync(tokenFile, randomBytes(16).toString('hex'), { mode: 0o600 });
      const remConfig = remediatorConfig({
        port: remPort,
        tokenFile,
        storageFile: join(dir, 'remediator.db'),
        prometheusUrl,
        alertmanagerUrl,
        services: DEMO_SERVICES,
        actuator: plan.actuator,
        replicas,
      });
      // before the fleet: the process actuator starts the backends the fleet then waits for
      remediatorUrl = started(await startHomeostatService('remediator', { dir, port: remPort, config: remConfig, env: adminEnv, log }));
      homeostatTargets.push({ service: 'remediator', address: `127.0.0.1:${remPort}` });
      fleet = await plan.start();

      const amDir = join(dir, 'alertmanager');
      mkdirSync(amDir, { recursive: true });
      const amConfig = join(amDir, 'alertmanager.yml');
      writeFileSync(amConfig, stringify(alertmanagerConfig(remediatorUrl, tokenFile)));
      started(
        await startDaemon(
          'alertmanager',
          'prometheus-alertmanager',
          [`--config.file=${amConfig}`, `--storage.path=${join(amDir, 'data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', '--log.level=warn'],
          { dir: amDir, port: amPort, ready: '/-/ready', log },
        ),
      );
    } else {
      fleet = await plan.start();
    }
    const theFleet = fleet;

    // Prometheus: the demo job's targets follow the fleet's replicas (scale-out adds some)
    const sdFile = join(dir, 'demo-targets.json');
    const syncTargets = async () => writeFileSd(sdFile, await theFleet.targets());
    await syncTargets();
    syncTimer = setInterval(() => void syncTargets().catch(() => undefined), 1000);
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
          alertmanager: alertmanagerUrl ? new URL(alertmanagerUrl).host : undefined,
          scrapeIntervalSeconds: scrape,
        }),
      ),
    );
    log(`prometheus scrapes every ${scrape}s`);
    started(
      await startDaemon(
        'prometheus',
        'prometheus',
        [`--config.file=${promConfig}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
        { dir: promDir, port: promPort, ready: '/-/ready', log },
      ),
    );

    return {
      dir,
      heal: opts.heal,
      adminToken,
      fleet: theFleet,
      replicas,
      gatewayUrl: theFleet.gatewayUrl,
      prometheusUrl,
      alertmanagerUrl,
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
