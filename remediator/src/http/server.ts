import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { z } from 'zod';
import { RangeQuery } from '@homeostat/contracts';
import type { Engine } from '../engine/engine';
import type { Metrics } from '../metrics';
import { zodToError } from '../policy/load-policy';
import type { Policy } from '../policy/policy-schema';
import { registerAlertmanagerReceiver } from '../receivers/alertmanager';
import { registerGrafanaReceiver } from '../receivers/grafana';
import { GroupCommit } from '../receivers/group-commit';
import type { AuditSqlite, Job } from '../sinks/audit-sqlite';
import { ScaleBackLog } from '../store/scale-back-log';
import type { Access, AccessCheck } from './access-control';
import { errorHandler } from './error-handler';
import { openApiDocument } from './openapi';
import { toTimeline } from './timeline';

export interface ServerDeps {
  store: AuditSqlite;
  engine: Engine;
  metrics: Metrics;
  log: FastifyBaseLogger;
  access: AccessCheck;
  bodyLimitBytes: number;
  isLeader: () => boolean;
  /** The policy in force (read per notification: alerts no rule matches are decided at intake). */
  policy: () => Policy;
  /** Where persisted jobs go (default: this replica's engine). */
  onJobs?: (jobs: Job[]) => void;
}

const KillSwitchInput = z.strictObject({ engaged: z.boolean() });

function parseRange(q: unknown): RangeQuery {
  const r = RangeQuery.safeParse(q);
  if (!r.success) throw zodToError('VALIDATION_FAILED', r.error);
  return r.data;
}

/** The remediator's HTTP surface: receivers, audit queries, kill switch, metrics, health, OpenAPI. */
export function buildServer(d: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: d.log,
    bodyLimit: d.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  app.setErrorHandler(errorHandler);
  // Fail closed: a route that does not declare its access needs an operator token.
  app.addHook('onRequest', async (req) => {
    if (req.is404) return;
    const need = (req.routeOptions.config as { access?: Access }).access ?? 'operate';
    // webhook routes check in their handler, which counts refusals per source
    if (need !== 'webhook') d.access(req.headers.authorization, need);
  });
  const as = (access: Access) => ({ config: { access } });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}`, field: 'path' });
  });
  const commit = new GroupCommit(d.store, {
    policy: d.policy,
    onJobs: d.onJobs ?? ((jobs) => d.engine.enqueue(jobs)),
    // what IncidentEnd and LadderStep count and log when the engine closes such an incident
    onClosed: (closed) => {
      for (const { incidentId, decided } of closed) {
        d.metrics.actions.inc({ action: decided.action.action, result: decided.action.result });
        d.metrics.escalations.inc({ reason: decided.reason });
        d.log.debug(
          { incidentId, status: decided.status, reason: decided.reason, why: decided.why },
          'incident handed to humans',
        );
      }
    },
  });
  app.addHook('onClose', () => commit.close());
  const intake = {
    commit,
    metrics: d.metrics,
    checkAuth: (h: string | undefined) => d.access(h, 'webhook'),
  };
  registerAlertmanagerReceiver(app, intake);
  registerGrafanaReceiver(app, intake);
  const scaleBacks = new ScaleBackLog(d.store);

  app.get('/api/v1/incidents', as('read'), async (req) => {
    const q = parseRange(req.query);
    return { incidents: d.store.incidents(q.from, q.to, q.service) };
  });
  app.get('/api/v1/actions', as('read'), async (req) => {
    const q = parseRange(req.query);
    return { actions: d.store.actions(q.from, q.to, q.service) };
  });
  app.get('/api/v1/timeline', as('read'), async (req) => {
    const q = parseRange(req.query);
    return {
      events: toTimeline(
        d.store.incidents(q.from, q.to, q.service),
        scaleBacks.between(q.from, q.to, q.service),
      ),
    };
  });
  app.post(
    '/api/v1/actions/:id/approve',
    as('operate'),
    async (req: FastifyRequest<{ Params: { id: string } }>) => {
      return { action: d.engine.approve(req.params.id, `api ${req.ip}`) };
    },
  );
  const killSwitch = () => ({
    engaged: d.engine.killSwitchEngaged(),
    api: d.engine.apiKillSwitch(),
    config: d.engine.killSwitchEngaged() && !d.engine.apiKillSwitch(),
  });
  app.get('/api/v1/kill-switch', as('read'), async () => killSwitch());
  app.put('/api/v1/kill-switch', as('operate'), async (req) => {
    const body = KillSwitchInput.safeParse(req.body);
    if (!body.success) throw zodToError('VALIDATION_FAILED', body.error);
    d.engine.setKillSwitch(body.data.engaged, `api ${req.ip}`);
    return killSwitch();
  });
  app.get('/metrics', as('open'), async (_req, reply) => {
    d.metrics.leader.set(d.isLeader() ? 1 : 0);
    d.metrics.jobsPending.set(d.store.pendingCount());
    return reply
      .header('content-type', d.metrics.registry.contentType)
      .send(await d.metrics.registry.metrics());
  });
  app.get('/healthz', as('open'), async () => ({ status: 'ok' }));
  app.get('/readyz', as('open'), async (_req, reply) => {
    if (!d.store.db.open)
      return reply.code(503).send({ code: 'PERSISTENCE_FAILED', message: 'audit database closed' });
    return { status: 'ready', leader: d.isLeader() };
  });
  const doc = openApiDocument();
  app.get('/openapi.json', as('open'), async () => doc);
  return app;
}
