import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { BackendConfig } from './backend-config';
import { burnCpu, sleep } from './busy-wait';
import { Cache } from './cache';
import { ConnectionPool } from './connection-pool';
import { DemoError } from './errors';
import { FaultScheduler, type FaultDefinition } from './fault-scheduler';
import { cpuFault } from './faults/cpu-fault';
import { crashFault } from './faults/crash-fault';
import { diskFault } from './faults/disk-fault';
import { FaultEffects } from './faults/fault-effects';
import { memoryLeakFault } from './faults/memory-leak-fault';
import { poolExhaustionFault } from './faults/pool-exhaustion-fault';
import { errorsFault, latencyFault, packetLossFault } from './faults/request-faults';
import { backendMetrics, createRegistry, httpMetrics } from './metrics';
import { backendOpenApi } from './openapi';
import type { Tracing } from './tracing';
import { PERSONALITIES, type Operation } from './personality';
import { ScratchVolume } from './scratch-volume';
import { createEdge } from './service-edge';
import { WorkerPool } from './worker-pool';

export interface BackendDeps {
  log: Logger;
  adminToken: string;
  tracing: Tracing;
  /** What the crash fault calls; process.exit in the real service. */
  exit: (code: number) => void;
}

export interface Backend {
  app: FastifyInstance;
  scheduler: FaultScheduler;
  cache: Cache<object>;
  workers: WorkerPool;
  db: ConnectionPool;
  close(): Promise<void>;
}

const CacheToggle = z.object({ enabled: z.boolean() });

/** Builds one backend service (not yet listening): its API, faults, metrics and admin API. */
export function createBackend(config: BackendConfig, deps: BackendDeps): Backend {
  const { service } = config;
  const personality = PERSONALITIES[service];
  const registry = createRegistry(service);
  const http = httpMetrics(registry);
  const volume = ScratchVolume.open(config.scratchDir, service);
  const m = backendMetrics(registry, { service, scratchUsedBytes: () => volume.usedBytes() });
  const workers = new WorkerPool({
    size: config.workers,
    queueLimit: config.queueLimit,
    queueTimeoutMs: config.queueTimeoutMs,
  });
  const db = new ConnectionPool({ size: config.dbPoolSize, acquireTimeoutMs: config.dbAcquireTimeoutMs });
  const cache = new Cache<object>({
    maxEntries: 10_000,
    ttlMs: config.cacheTtlMs,
    enabled: config.cacheEnabled,
  });
  const effects = new FaultEffects();

  const definitions: FaultDefinition<never>[] = [
    cpuFault,
    memoryLeakFault((b) => m.leakedBytes.set({ service }, b)),
    latencyFault(effects),
    crashFault(deps.exit),
    poolExhaustionFault(db),
    diskFault({ baseDir: volume.dir, onBytes: (b) => m.diskBytes.set({ service }, b) }),
    errorsFault(effects),
    packetLossFault(effects),
  ] as FaultDefinition<never>[];
  const scheduler = new FaultScheduler(new Map(definitions.map((d) => [d.name, d])), {
    onChange: (fault, active) => {
      http.faultActive.set({ service, fault }, active ? 1 : 0);
      deps.log.warn({ fault, active }, active ? 'fault started' : 'fault stopped');
    },
  });
  for (const d of definitions) http.faultActive.set({ service, fault: d.name }, 0);
  // series exist from the first scrape, so rate() sees the first failure
  for (const result of ['success', 'failure']) http.transactions.inc({ service, result }, 0);

  const edge = createEdge({
    service,
    log: deps.log,
    registry,
    http,
    tracing: deps.tracing,
    adminToken: deps.adminToken,
    openapi: backendOpenApi(service, personality.operations, scheduler.names),
    beforeScrape() {
      m.workersBusy.set({ service }, workers.active);
      m.workersQueued.set({ service }, workers.queued);
      m.workersSize.set({ service }, workers.size);
      m.dbInUse.set({ service }, db.used);
      m.dbWaiting.set({ service }, db.waiting);
      m.dbSize.set({ service }, db.size);
      m.cacheEnabled.set({ service }, cache.enabled ? 1 : 0);
      m.cacheEntries.set({ service }, cache.entries);
    },
  });
  const { app } = edge;

  const perform = async (op: Operation, req: FastifyRequest): Promise<object> => {
    if (effects.shouldFail())
      throw new DemoError('INJECTED_ERROR', `injected error (errors fault)`, effects.errorStatus);
    // injected latency sits in front of the worker pool, like a slow network or ingress: it raises
    // latency without also starving the pool (which would turn the scenario into an error spike)
    const extra = effects.latencyFor();
    if (extra > 0) await sleep(extra);
    const release = await workers.acquire();
    // working memory held for the request's lifetime: resident memory follows concurrency
    let scratch: Buffer | undefined = Buffer.allocUnsafe(op.memoryKb * 1024).fill(1);
    try {
      burnCpu(op.cpuMs * config.workScale);
      const key = cacheKey(op, req, personality.items);
      const cached = key ? cache.get(key) : undefined;
      if (key) m.cacheRequests.inc({ service, result: cached ? 'hit' : 'miss' });
      if (cached) return cached;
      for (let q = 0; q < op.queries; q++) {
        await db.withConnection(async () => {
          // a busy database answers slower: contention grows query time with pool usage
          const contention = 1 + (0.5 * db.used) / db.size;
          await sleep(op.queryMs * config.workScale * contention * (0.5 + Math.random()));
        });
      }
      const body = makeBody(op, req, personality.service, scratch.length);
      if (key) cache.set(key, body);
      return body;
    } finally {
      scratch = undefined;
      release();
    }
  };

  for (const op of personality.operations) {
    edge.initialiseRoute(op.method, op.url);
    app.route({
      method: op.method,
      url: op.url,
      handler: async (req, reply) => {
        if (effects.shouldDrop()) {
          // lost on the link: the caller (the gateway) sees its connection reset, no HTTP answer
          edge.record(req, 599);
          reply.hijack();
          req.raw.socket.resetAndDestroy();
          return;
        }
        try {
          const body = await perform(op, req);
          if (op.transaction) http.transactions.inc({ service, result: 'success' });
          return reply.code(op.method === 'POST' ? 201 : 200).send(body);
        } catch (e) {
          if (op.transaction) http.transactions.inc({ service, result: 'failure' });
          throw e;
        }
      },
    });
  }

  app.get('/admin/faults', async () => scheduler.list());
  app.post<{ Params: { fault: string } }>('/admin/faults/:fault', async (req, reply) => {
    const w = await scheduler.start(req.params.fault, req.body ?? {});
    return reply.code(201).send(w);
  });
  app.delete<{ Params: { fault: string } }>('/admin/faults/:fault', async (req) =>
    scheduler.stop(req.params.fault),
  );
  app.get('/admin/cache', async () => ({
    enabled: cache.enabled,
    entries: cache.entries,
    hits: cache.hits,
    misses: cache.misses,
  }));
  app.post('/admin/cache', async (req) => {
    const parsed = CacheToggle.safeParse(req.body);
    if (!parsed.success)
      throw new DemoError('BAD_REQUEST', 'body must be { "enabled": boolean }', 400, 'enabled');
    cache.setEnabled(parsed.data.enabled);
    deps.log.warn({ enabled: parsed.data.enabled }, 'cache toggled');
    return { enabled: cache.enabled, changedAt: Date.now() };
  });

  return {
    app,
    scheduler,
    cache,
    workers,
    db,
    async close() {
      await scheduler.stopAll();
      await app.close();
      volume.close();
    },
  };
}

function cacheKey(op: Operation, req: FastifyRequest, items: number): string | undefined {
  if (!op.cacheable) return undefined;
  const params = req.params as Record<string, string>;
  const id = params.id ?? params.sku;
  if (id === undefined) return op.url;
  // the catalogue is finite: ids map onto `items` distinct rows
  const n = Number.parseInt(id, 10);
  return `${op.url}:${Number.isFinite(n) ? Math.abs(n) % items : id}`;
}

function makeBody(op: Operation, req: FastifyRequest, service: string, workBytes: number): object {
  const params = req.params as Record<string, string>;
  const id = params.id ?? params.sku;
  if (op.method === 'POST') return { service, id: cryptoId(), status: 'accepted', at: Date.now() };
  if (id !== undefined) return { service, id, status: 'ok', workBytes };
  return {
    service,
    items: Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `${service}-${i + 1}` })),
  };
}

function cryptoId(): string {
  return Math.random().toString(36).slice(2, 12);
}
