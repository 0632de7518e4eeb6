import { DataFrame, FieldType, createDataFrame } from '@grafana/data';
import type { AnomalyEvent, ActionRecord, Incident, TimelineEvent } from '@homeostat/contracts';
import { frameMeta } from './frame-kind';

/**
 * Event-like frames use Grafana's annotation field names (time, timeEnd, title, text, tags, id), so
 * the same frames serve as annotations on any dashboard and as input to the healing panel.
 */

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export function anomalyEventsFrame(events: AnomalyEvent[], refId: string): DataFrame {
  return createDataFrame({
    refId,
    name: 'anomaly events',
    meta: frameMeta('events'),
    fields: [
      { name: 'time', type: FieldType.time, values: events.map((e) => e.start) },
      { name: 'timeEnd', type: FieldType.time, values: events.map((e) => e.end) },
      { name: 'title', type: FieldType.string, values: events.map((e) => `Anomaly on ${labelText(e.labels) || e.key}`) },
      {
        name: 'text',
        type: FieldType.string,
        values: events.map(
          (e) =>
            `peak score ${e.peakScore.toFixed(2)}; top features: ${e.topFeatures
              .map((f) => `${f.feature} ${(f.contribution * 100).toFixed(0)}%`)
              .join(', ')}`
        ),
      },
      {
        name: 'tags',
        type: FieldType.other,
        values: events.map((e) => ['anomaly', e.detector, ...Object.values(e.labels)]),
      },
      { name: 'id', type: FieldType.string, values: events.map((e) => e.id) },
      { name: 'key', type: FieldType.string, values: events.map((e) => e.key) },
      { name: 'service', type: FieldType.string, values: events.map((e) => e.labels.service ?? '') },
      { name: 'peakScore', type: FieldType.number, values: events.map((e) => e.peakScore), config: { decimals: 2 } },
      {
        name: 'topFeatures',
        type: FieldType.string,
        values: events.map((e) => e.topFeatures.map((f) => f.feature).join(', ')),
      },
    ],
  });
}

export function actionsFrame(actions: ActionRecord[], refId: string): DataFrame {
  return createDataFrame({
    refId,
    name: 'healing actions',
    meta: frameMeta('actions'),
    fields: [
      { name: 'time', type: FieldType.time, values: actions.map((a) => a.startedAt) },
      { name: 'timeEnd', type: FieldType.time, values: actions.map((a) => a.finishedAt) },
      {
        name: 'title',
        type: FieldType.string,
        values: actions.map((a) => [a.action, a.target?.name, `(${a.result})`].filter(Boolean).join(' ')),
      },
      { name: 'text', type: FieldType.string, values: actions.map((a) => a.reason) },
      { name: 'tags', type: FieldType.other, values: actions.map((a) => ['healing', a.action, a.result]) },
      { name: 'id', type: FieldType.string, values: actions.map((a) => a.id) },
      { name: 'incidentId', type: FieldType.string, values: actions.map((a) => a.incidentId) },
      { name: 'result', type: FieldType.string, values: actions.map((a) => a.result) },
      { name: 'verification', type: FieldType.string, values: actions.map((a) => a.verification) },
      {
        name: 'duration',
        type: FieldType.number,
        values: actions.map((a) => (a.finishedAt === null ? null : (a.finishedAt - a.startedAt) / 1000)),
        config: { unit: 's' },
      },
    ],
  });
}

export function incidentsFrame(incidents: Incident[], refId: string): DataFrame {
  return createDataFrame({
    refId,
    name: 'incidents',
    meta: frameMeta('incidents'),
    fields: [
      { name: 'time', type: FieldType.time, values: incidents.map((i) => i.startsAt) },
      { name: 'timeEnd', type: FieldType.time, values: incidents.map((i) => i.resolvedAt) },
      { name: 'title', type: FieldType.string, values: incidents.map((i) => `${i.alertname} ${labelText(i.labels)}`) },
      { name: 'text', type: FieldType.string, values: incidents.map((i) => i.annotations.summary ?? i.status) },
      { name: 'tags', type: FieldType.other, values: incidents.map((i) => ['incident', i.status]) },
      { name: 'id', type: FieldType.string, values: incidents.map((i) => i.id) },
      { name: 'service', type: FieldType.string, values: incidents.map((i) => i.labels.service ?? '') },
      { name: 'status', type: FieldType.string, values: incidents.map((i) => i.status) },
      { name: 'mttr', type: FieldType.number, values: incidents.map((i) => i.mttrSeconds), config: { unit: 's' } },
      { name: 'actions', type: FieldType.number, values: incidents.map((i) => i.actions.length) },
    ],
  });
}

export function timelineFrame(events: TimelineEvent[], refId: string): DataFrame {
  return createDataFrame({
    refId,
    name: 'healing timeline',
    meta: frameMeta('timeline'),
    fields: [
      { name: 'time', type: FieldType.time, values: events.map((e) => e.time) },
      { name: 'timeEnd', type: FieldType.time, values: events.map((e) => e.endTime) },
      { name: 'kind', type: FieldType.string, values: events.map((e) => e.kind) },
      { name: 'status', type: FieldType.string, values: events.map((e) => e.status) },
      { name: 'title', type: FieldType.string, values: events.map((e) => e.title) },
      { name: 'incidentId', type: FieldType.string, values: events.map((e) => e.incidentId) },
      { name: 'service', type: FieldType.string, values: events.map((e) => e.labels.service ?? '') },
      // Hover details (reason, top features, API call) travel as JSON text: frames hold scalars.
      { name: 'detail', type: FieldType.string, values: events.map((e) => JSON.stringify(e.detail)) },
      { name: 'tags', type: FieldType.other, values: events.map((e) => ['healing', e.kind, e.status]) },
    ],
  });
}
