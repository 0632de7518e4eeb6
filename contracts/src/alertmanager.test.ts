import { AlertmanagerWebhook, GrafanaWebhook, issuePath } from './index';

const alert = {
  status: 'firing',
  labels: { alertname: 'HomeostatAnomaly', service: 'orders' },
  annotations: { summary: 'anomaly' },
  startsAt: '2026-11-28T13:08:45.828123456+01:00',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://127.0.0.1:9090/graph',
  fingerprint: '1a30ba71cca2921f',
};
const payload = {
  version: '4',
  groupKey: '{}:{alertname="HomeostatAnomaly"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'remediator',
  groupLabels: { alertname: 'HomeostatAnomaly' },
  commonLabels: { alertname: 'HomeostatAnomaly' },
  commonAnnotations: {},
  externalURL: 'http://127.0.0.1:9093',
  notification_reason: 'first notification',
  alerts: [alert],
};

describe('AlertmanagerWebhook', () => {
  it('accepts a real v4 payload with nanosecond times, offsets and the zero endsAt', () => {
    expect(AlertmanagerWebhook.parse(payload).alerts[0].fingerprint).toBe('1a30ba71cca2921f');
  });

  it('keeps fields that newer Alertmanagers add', () => {
    const parsed = AlertmanagerWebhook.parse({ ...payload, routeLabels: { team: 'a' }, futureField: 1 });
    expect((parsed as Record<string, unknown>).futureField).toBe(1);
  });

  it.each([
    ['alerts.0.startsAt', { ...payload, alerts: [{ ...alert, startsAt: 'yesterday' }] }],
    ['alerts.0.status', { ...payload, alerts: [{ ...alert, status: 'burning' }] }],
    ['version', { ...payload, version: '3' }],
    ['alerts', { ...payload, alerts: [] }],
  ])('names %s when it is wrong', (field, body) => {
    const r = AlertmanagerWebhook.safeParse(body);
    expect(r.success).toBe(false);
    if (!r.success) expect(issuePath(r.error.issues[0].path)).toBe(field);
  });
});

describe('GrafanaWebhook', () => {
  it('accepts the Grafana contact point shape', () => {
    const g = GrafanaWebhook.parse({
      ...payload,
      version: '1',
      orgId: 1,
      title: '[FIRING:1] HomeostatAnomaly',
      state: 'alerting',
      message: 'anomaly on orders',
      alerts: [{ ...alert, values: { A: 1.7 }, dashboardURL: '', panelURL: '', silenceURL: '' }],
    });
    expect(g.orgId).toBe(1);
  });

  it('rejects an Alertmanager payload without the Grafana fields', () => {
    const r = GrafanaWebhook.safeParse(payload);
    expect(r.success).toBe(false);
  });
});
