import type { FastifyInstance } from 'fastify';
import { AlertmanagerWebhook } from '@homeostat/contracts';
import { registerIntake, type IntakeDeps } from './intake';

export const ALERTMANAGER_PATH = '/api/v1/alerts/alertmanager';

/** Alertmanager webhook v4 (webhook_configs with send_resolved: true). */
export function registerAlertmanagerReceiver(app: FastifyInstance, deps: IntakeDeps): void {
  registerIntake(app, ALERTMANAGER_PATH, 'alertmanager', AlertmanagerWebhook, deps);
}
