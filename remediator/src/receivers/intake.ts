import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { AlertmanagerAlert } from '@homeostat/contracts';
import { RemediatorError } from '../errors';
import type { Access } from '../http/access-control';
import type { Metrics } from '../metrics';
import { zodToError } from '../policy/load-policy';
import type { IncomingAlert } from '../sinks/audit-sqlite';
import type { GroupCommit } from './group-commit';

export interface IntakeDeps {
  commit: GroupCommit;
  metrics: Metrics;
  checkAuth: (header: string | undefined) => void;
}

/** Response body of both receivers (202). */
export interface IntakeResponse {
  accepted: number;
  duplicates: number;
}

function toIncoming(a: AlertmanagerAlert): IncomingAlert {
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    // Epoch ms are non-negative in Homeostat's APIs; Go's zero time would be negative.
    startsAt: Math.max(0, Date.parse(a.startsAt)),
    startsAtRaw: a.startsAt,
    labels: a.labels,
    annotations: a.annotations,
  };
}

/**
 * One webhook route: auth, zod validation (400 names the field), persisted dedupe, 202. The action
 * itself happens later in the engine, so Alertmanager's flush never waits on Docker or Kubernetes.
 */
export function registerIntake(
  app: FastifyInstance,
  path: string,
  source: 'alertmanager' | 'grafana',
  schema: z.ZodType<{ alerts: AlertmanagerAlert[] }>,
  deps: IntakeDeps,
): void {
  app.post(path, { config: { access: 'webhook' satisfies Access } }, async (req, reply) => {
    try {
      deps.checkAuth(req.headers.authorization);
    } catch (e) {
      deps.metrics.notifications.inc({ source, outcome: 'unauthorized' });
      throw e;
    }
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) {
      deps.metrics.notifications.inc({ source, outcome: 'rejected' });
      throw zodToError('VALIDATION_FAILED', parsed.error);
    }
    const alerts = parsed.data.alerts.map(toIncoming);
    const bad = alerts.findIndex((a) => !Number.isFinite(a.startsAt));
    if (bad >= 0)
      throw new RemediatorError('VALIDATION_FAILED', 'startsAt is not a valid time', {
        field: `alerts.${bad}.startsAt`,
      });
    const { fresh, duplicates } = await deps.commit.submit(source, alerts);
    deps.metrics.notifications.inc({ source, outcome: 'accepted' });
    if (fresh > 0) deps.metrics.alerts.inc({ dedupe: 'new' }, fresh);
    if (duplicates > 0) deps.metrics.alerts.inc({ dedupe: 'duplicate' }, duplicates);
    const body: IntakeResponse = { accepted: fresh, duplicates };
    return reply.code(202).send(body);
  });
}
