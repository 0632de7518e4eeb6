import { z } from 'zod';

/**
 * Alertmanager webhook payload, version 4 (prometheus/alertmanager notify/webhook). Objects are
 * loose on purpose: newer Alertmanagers add fields (notification_reason in 0.32, routeLabels in
 * 0.34) and a receiver that rejected them would get the same payload back every group_interval.
 */
const KV = z.record(z.string(), z.string());
/** Go RFC 3339 with nanoseconds and any offset; the zero time `0001-01-01T00:00:00Z` is valid. */
const Rfc3339 = z.iso.datetime({ offset: true });

export const AlertStatus = z.enum(['firing', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;

export const AlertmanagerAlert = z.looseObject({
  status: AlertStatus,
  labels: KV,
  annotations: KV,
  startsAt: Rfc3339,
  endsAt: Rfc3339,
  generatorURL: z.string(),
  /** 16-hex hash of the label set; with startsAt it identifies one incident. */
  fingerprint: z.string().min(1),
});
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlert>;

export const AlertmanagerWebhook = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: AlertStatus,
  receiver: z.string(),
  groupLabels: KV,
  commonLabels: KV,
  commonAnnotations: KV,
  externalURL: z.string(),
  notification_reason: z.string().optional(),
  routeLabels: KV.optional(),
  alerts: z.array(AlertmanagerAlert).min(1),
});
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhook>;

/**
 * Grafana Alerting's webhook contact point: the Alertmanager shape plus Grafana's own fields.
 * Grafana sends `alerts[].values`, `dashboardURL`, `panelURL`, `silenceURL`, which we keep (loose)
 * but do not need.
 */
export const GrafanaAlert = AlertmanagerAlert.extend({
  values: z.record(z.string(), z.number().nullable()).nullable().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  silenceURL: z.string().optional(),
});
export type GrafanaAlert = z.infer<typeof GrafanaAlert>;

export const GrafanaWebhook = AlertmanagerWebhook.extend({
  /** Grafana uses version "1" for its webhook; Alertmanager's "4" is accepted too. */
  version: z.string(),
  orgId: z.number().int(),
  title: z.string(),
  state: z.string(),
  message: z.string(),
  alerts: z.array(GrafanaAlert).min(1),
});
export type GrafanaWebhook = z.infer<typeof GrafanaWebhook>;
