import { dirname } from 'node:path';
import type { ActuatorKind } from '@homeostat/contracts';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Actuator } from './actuators/actuator';
import { DockerActuator } from './actuators/docker';
import { KubernetesActuator, loadKubeConfig } from './actuators/kubernetes';
import { ProcessActuator } from './actuators/process';
import type { ScaleOutHoldOptions } from './actuators/scale-out-hold';
import { targetKey } from './policy/match';
import { LeaseElector } from './leader/lease';
import { readCredentials, readSecret, stateUrl, type LoadedConfig } from './config';
import { StackAlertReader } from './engine/alert-reader';
import { wallClock, type Clock } from './engine/clock';
import { Engine } from './engine/engine';
import { PrometheusClient } from './engine/prometheus-client';
import { createAccessCheck } from './http/access-control';
import { refuseWorkOnLeaseFollower } from './http/lease-follower';
import { buildServer } from './http/server';
import { createMetrics, type Metrics } from './metrics';
import { AmSilence } from './sinks/am-silence';
import { AuditSqlite, type Job } from './sinks/audit-sqlite';
import { ClaimPostgres } from './store/claim-postgres';
import { ClaimSqlite } from './store/claim-sqlite';
import { PostgresDatabase } from './store/postgres-database';
import { PgLeadership } from './leader/pg-leadership';
import type Database from 'better-sqlite3';
import { IncidentWaits } from './store/incident-waits';

export interface RemediatorOverrides {
  log?: Logger;
  /** Replace or add actuators (tests inject ones pointed at their fakes). */
  actuators?: Partial<Record<ActuatorKind, Actuator>>;
  /** Leadership source; defaults to "always leader" unless Kubernetes leader election is on. */
  isLeader?: () => boolean;
  /** The engine's time (tests run cooldowns and verification windows on a manual clock). */
  clock?: Clock;
  /** With PostgreSQL state: leadership ended while leading (default: exit 3, and restart as a follower). */
  onLeadershipLost?: (why: string) => void;
}

export interface Remediator {
  app: FastifyInstance;
  engine: Engine;
  store: AuditSqlite;
  metrics: Metrics;
  actuators: Partial<Record<ActuatorKind, Actuator>>;
  /** Listens; resolves with the bound URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Wires config into store, engine, actuators and the HTTP server (no I/O until listen()). */
export async function createRemediator(
  loaded: LoadedConfig,
  o: RemediatorOverrides = {},
): Promise<Remediator> {
  const { config, policy, baseDir } = loaded;
  const log = o.log ?? pino({ level: config.server.logLevel, base: { service: 'homeostat-remediator' } });
  const metrics = createMetrics();
  const url = stateUrl(config, baseDir);
  const pg = url ? PostgresDatabase.connect(url) : null;
  // PostgresDatabase speaks the part of better-sqlite3's API the store uses (see postgres-database.ts)
  const store = new AuditSqlite(pg ? (pg as unknown as Database.Database) : config.storage.file);
  let leadership: PgLeadership | null = null;
  let elector: LeaseElector | null = null;
  const access = createAccessCheck(readCredentials(config, baseDir));
  const actuators: Partial<Record<ActuatorKind, Actuator>> = {};
  const closers: (() => Promise<void>)[] = [];
  let isLeader = o.isLeader ?? (() => true);
  // right before a platform call; the live check where the leadership source has one
  let confirmLeader = (): boolean => isLeader();
  // Extra capacity is given back when its hold ends (scale-out-hold.ts), by the leader only, and
  // every give-back is in the audit log next to the scale-out that added it.
  // Never while the kill switch is engaged or an incident holds the target (its claim spans the
  // action, the verification and an undo). 0 keeps scale-outs until a scale_in or an undo.
  const claims = pg ? new ClaimPostgres(store) : new ClaimSqlite(store);
  const hold = (holdSeconds: number): { hold?: ScaleOutHoldOptions } =>
    holdSeconds > 0
      ? {
          hold: {
            holdSeconds,
            mayAct: () => confirmLeader() && !engine.killSwitchEngaged(),
            targetBusy: (t) => claims.held().some((c) => c.targetKey === targetKey(t)),
            ownsIncident: (id) => store.incidentRow(id) !== null,
            log,
            onGiveBack: (g) => {
              store.appendAudit('scale_back', g.incidentId, null, { ...g }, Date.now());
              metrics.givenBack.inc({ actuator: g.actuator });
            },
            onFailure: (actuator) => metrics.giveBackFailures.inc({ actuator }),
          },
        }
      : {};
  const prometheus = config.prometheus ? new PrometheusClient(config.prometheus.url) : null;
  if (config.process) {
    const p = new ProcessActuator({
      ...(prometheus ? { query: (expr: string) => prometheus.query(expr) } : {}),
      ...hold(config.process.scaleOutHoldSeconds),
      drainSeconds: config.process.drainSeconds,
      groups: config.process.groups,
      ...(config.process.gateway
        ? {
            gateway: {
              url: config.process.gateway.url,
              ...(config.process.gateway.token
                ? { token: readSecret(config.process.gateway.token, baseDir, 'process.gateway.token') }
                : {}),
            },
          }
        : {}),
      ...(config.process.gateway?.token
        ? { adminToken: readSecret(config.process.gateway.token, baseDir, 'process.gateway.token') }
        : {}),
      log,
      stateDir: dirname(config.storage.file),
    });
    actuators.process = p;
  }
  if (config.docker && !o.actuators?.docker) {
    actuators.docker = new DockerActuator({
      socketPath: config.docker.socketPath,
      ...hold(config.docker.scaleOutHoldSeconds),
      drainSeconds: config.docker.drainSeconds,
      minReadySeconds: config.docker.minReadySeconds,
      surgeRestart: config.docker.surgeRestart,
    });
  }
  if (config.kubernetes && !o.actuators?.kubernetes) {
    const kc = loadKubeConfig(config.kubernetes.kubeconfig);
    const k = config.kubernetes;
    actuators.kubernetes = new KubernetesActuator(kc, {
      requestTimeoutMs: k.requestTimeoutSeconds * 1000,
      floorHoldSeconds: k.floorHoldSeconds,
      isolationTtlSeconds: k.isolationTtlSeconds,
      afterIsolationTtl: k.afterIsolationTtl,
      mayAct: () => confirmLeader() && !engine.killSwitchEngaged(),
    });
    const le = config.kubernetes.leaderElection;
    // with shared PostgreSQL state, leadership is the database's (pg-leadership.ts), not a Lease
    if (le?.enabled && !o.isLeader && !pg) {
      const e = new LeaseElector(
        kc,
        { ...le, identity: le.identity ?? `${process.env.HOSTNAME ?? 'remediator'}-${process.pid}` },
        log,
      );
      e.start();
      elector = e;
      isLeader = () => e.isLeader();
      closers.push(() => e.stop());
    }
  }
  Object.assign(actuators, o.actuators ?? {});
  const clock = o.clock ?? wallClock;
  const engine = new Engine({
    store,
    claims,
    waits: new IncidentWaits(store),
    clock,
    policy,
    actuators,
    metrics,
    log,
    isLeader: () => isLeader(),
    confirmLeader: () => confirmLeader(),
    concurrency: config.concurrency,
    alerts:
      prometheus || config.alertmanager
        ? new StackAlertReader({
            ...(config.alertmanager ? { alertmanagerUrl: config.alertmanager.url } : {}),
            ...(prometheus ? { prometheus } : {}),
            now: () => clock.now(),
          })
        : null,
    silence: config.alertmanager ? new AmSilence(config.alertmanager.url, log) : null,
  });
  if (pg && !o.isLeader) {
    const l = new PgLeadership({
      db: pg,
      store,
      engine,
      pollMs: config.state?.pollMs ?? 250,
      log,
      onLost:
        o.onLeadershipLost ??
        (() => {
          // crash-only: whatever this process had in flight is the next leader's to recover
          process.exit(3);
        }),
    });
    leadership = l;
    isLeader = () => l.isLeader();
    confirmLeader = () => l.confirm();
  }
  const app = buildServer({
    store,
    engine,
    metrics,
    log,
    access,
    bodyLimitBytes: config.server.bodyLimitBytes,
    isLeader: () => isLeader(),
    policy: () => policy,
    ...(leadership ? { onJobs: (jobs: Job[]) => leadership!.accepted(jobs) } : {}),
  });
  if (elector) refuseWorkOnLeaseFollower(app, () => isLeader());
  return {
    app,
    engine,
    store,
    metrics,
    actuators,
    async listen() {
      if (actuators.process instanceof ProcessActuator) await actuators.process.start();
      // Before anything acts: refuse what a platform or its permissions cannot do (POLICY_INVALID,
      // naming the rule), then end what a previous run held past its time (e.g. HPA floors).
      for (const a of Object.values(actuators)) await a?.validate?.(policy);
      for (const a of Object.values(actuators)) await a?.reconcile?.();
      if (leadership) leadership.start();
      // a Lease follower's own database gets no work (lease-follower.ts); what a previous run left
      // in it is recovered once this replica leads, so no job is closed as 'follower' meanwhile
      else if (elector)
        elector.onFirstLead(() => {
          engine.recover();
          engine.wake();
        });
      else engine.recover();
      const addr = await app.listen({ host: config.server.host, port: config.server.port });
      engine.wake();
      log.info(
        { addr, rules: policy.rules.length, killSwitch: engine.killSwitchEngaged() },
        'remediator listening',
      );
      return addr;
    },
    async close() {
      await app.close();
      for (const a of Object.values(actuators)) await a?.stopBackground?.();
      // the lock is given up only once nothing here acts any more (a release before the engine
      // stopped would let the next leader act while this one still finishes an action)
      leadership?.stopPolling();
      await engine.stop();
      leadership?.release();
      for (const c of closers) await c();
      for (const a of Object.values(actuators)) await a?.close?.();
      store.close();
    },
  };
}
