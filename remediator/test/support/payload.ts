import type { AlertmanagerWebhook } from '@homeostat/contracts';

let n = 0;
export function alert(
  labels: Record<string, string>,
  over: Partial<AlertmanagerWebhook['alerts'][number]> = {},
): AlertmanagerWebhook['alerts'][number] {
  n++;
  return {
    status: 'firing',
    labels: {
      alertname: 'HomeostatAnomaly',
      service: 'orders',
      severity: 'warning',
      top_feature: 'cpu',
      remediate: 'true',
      ...labels,
    },
    annotations: { summary: 'anomaly' },
    startsAt: new Date(Date.UTC(2026, 10, 28, 12, 0, 0) + n * 1000).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus/graph',
    fingerprint: `fp${n.toString(16).padStart(14, '0')}`,
    ...over,
  };
}

export function webhook(
  alerts: AlertmanagerWebhook['alerts'],
  over: Partial<AlertmanagerWebhook> = {},
): AlertmanagerWebhook {
  return {
    version: '4',
    groupKey: '{}:{alertname="HomeostatAnomaly"}',
    truncatedAlerts: 0,
    status: alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing',
    receiver: 'remediator',
    groupLabels: { alertname: 'HomeostatAnomaly' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
    ...over,
  };
}
