import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createAccessCheck } from './api/access-control';
import type { ApiContext } from './api/context';
import { readCredentials } from './auth-settings';
import type { ServiceConfig } from './config';
import { EntityRegistry } from './entity-registry';
import { EventStore } from './event-store';
import { EventTracker } from './event-tracker';
import { LiveLoop } from './live-loop';
import { LiveScoreLog } from './live-score-log';
import { ServiceMetrics } from './metrics';
import { engineModels, type ModelFactory } from './model-factory';
import { ModelStore } from './model-store';
import { PrometheusClient } from './prometheus-client';
import { ReplayCache } from './replay-cache';
import { registerRootCauseGauges } from './root-cause/root-cause-gauge';
import { TraceCallGraph } from './traces/trace-call-graph';
import { buildServer } from './server';

export interface DetectorServiceOptions {
  logger?: Logger;
  models?: ModelFactory;
  persistIntervalMs?: number;
  version?: string;
  /** Replay runs kept between POST /api/v1/score requests (default: a ReplayCache of 200 runs). */
  replayCache?: ReplayCache;
}

/**
 * The detection service: config -> query client -> live loop -> registry, stores and metrics,
 * served over HTTP. `start()` listens and starts scoring; `stop()` finishes the running cycle,
 * persists models and events, and closes the database.
 */
export class DetectorService {
  readonly log: Logger;
  readonly metrics: ServiceMetrics;
  readonly registry: EntityRegistry;
  readonly loop: LiveLoop;
  readonly client: PrometheusClient;
  private readonly events: EventStore;
  private readonly scoreLog: LiveScoreLog;
  private readonly app: FastifyInstance;
  private address: string | null = null;

  constructor(
    private readonly config: ServiceConfig,
    opts: DetectorServiceOptions = {},
  ) {
    // first: an unreadable token file stops the service before it opens anything
    const access = createAccessCheck(readCredentials(config.auth));
    this.log = opts.logger ?? pino({ level: config.logLevel, base: { service: 'homeostat-detector' } });
    mkdirSync(config.dataDir, { recursive: true });
    this.registry = new EntityRegistry(config.detectors);
    const entityLabels = [...new Set(config.detectors.flatMap((d) => d.groupBy))];
    this.metrics = new ServiceMetrics(entityLabels, this.registry, config.detectors);
    this.client = new PrometheusClient(config.prometheus, (o) => {
      this.metrics.queryDuration.observe({ endpoint: o.endpoint }, o.durationSeconds);
      if (!o.ok) this.metrics.queryErrors.inc({ endpoint: o.endpoint, kind: o.kind ?? 'network' });
      if (o.warnings) this.metrics.queryWarnings.inc({ endpoint: o.endpoint }, o.warnings);
    });
    this.events = new EventStore(join(config.dataDir, 'events.sqlite'));
    this.scoreLog = new LiveScoreLog(
      join(config.dataDir, 'live-scores.sqlite'),
      config.liveScores.retentionSeconds * 1000,
    );
    const traceGraph = new TraceCallGraph(config.traces.edgeTtlSeconds * 1000);
    const models = opts.models ?? engineModels;
    this.loop = new LiveLoop({
      detectors: config.detectors,
      client: this.client,
      registry: this.registry,
      models,
      modelStore: new ModelStore(config.dataDir),
      tracker: new EventTracker(this.events.open()),
      events: this.events,
      scoreLog: this.scoreLog,
      traceGraph,
      metrics: this.metrics,
      log: this.log,
      persistIntervalMs: opts.persistIntervalMs,
    });
    registerRootCauseGauges(this.metrics.registry, entityLabels, this.loop.rootCause);
    const ctx: ApiContext = {
      detectors: config.detectors,
      registry: this.registry,
      events: this.events,
      metrics: this.metrics,
      replay: {
        detectors: config.detectors,
        client: this.client,
        models,
        cache: opts.replayCache ?? new ReplayCache(),
        liveSince: (d) => this.loop.liveSince.get(d) ?? null,
        liveScores: (d, config, from, to) => this.scoreLog.range(d, config, from, to),
      },
      liveSince: (d) => this.loop.liveSince.get(d) ?? null,
      traces: {
        enabled: config.traces.enabled,
        graph: traceGraph,
        servicePattern: new RegExp(config.traces.servicePattern),
      },
      readiness: () => this.readiness(),
    };
    this.app = buildServer(ctx, this.log, opts.version ?? '0.1.0', access);
  }

  /**
   * Ready = serving: the HTTP API is up and the query API answers (so replays and scores can be
   * served). Warm models are reported (`modelsWarm`) but not required: a detector whose series do
   * not exist yet must not keep the whole service out of its load balancer.
   */
  async readiness(): Promise<{ ready: boolean; queryApi: boolean; modelsWarm: boolean; reason?: string }> {
    const queryApi = this.loop.queryApiUp ?? (await this.client.ping());
    const modelsWarm = this.registry.allWarm();
    const reason = !queryApi
      ? `query API ${this.client.url} not answering: ${this.loop.lastError ?? 'no answer'}`
      : undefined;
    return reason === undefined
      ? { ready: true, queryApi, modelsWarm }
      : { ready: false, queryApi, modelsWarm, reason };
  }

  /** Listens (port 0 picks a free one) and starts the live loop; resolves to the base URL. */
  async start(): Promise<string> {
    const { host, port } = this.config.server;
    await this.app.listen({ host, port });
    const addr = this.app.server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    this.address = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    this.loop.start();
    const a = this.config.auth;
    if (!a.disabled && !a.anonymousReads && a.readerTokens.length === 0)
      this.log.warn(
        'no auth.readerTokens: the REST API refuses every read (scores are still served at /metrics); give the Grafana datasource a reader token',
      );
    this.log.info(
      { url: this.address, prometheus: this.client.url, detectors: this.config.detectors.map((d) => d.name) },
      'detector service started',
    );
    return this.address;
  }

  get url(): string | null {
    return this.address;
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.app.close();
    this.client.close();
    this.events.close();
    this.scoreLog.close();
    this.log.info('detector service stopped');
  }
}
