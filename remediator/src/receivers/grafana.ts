import type { FastifyInstance } from 'fastify';
import { GrafanaWebhook } from '@homeostat/contracts';
import { registerIntake, type IntakeDeps } from './intake';

export const GRAFANA_PATH = '/api/v1/alerts/grafana';

/**
 * Grafana Alerting's webhook contact point: the Alertmanager shape plus orgId, title, state and
 * message. Same validation, dedupe and policy as Alertmanager's.
 */
export function registerGrafanaReceiver(app: FastifyInstance, deps: IntakeDeps): void {
  registerIntake(app, GRAFANA_PATH, 'grafana', GrafanaWebhook, deps);
}
