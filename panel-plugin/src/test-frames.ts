import { DataFrame, FieldType, createDataFrame } from '@grafana/data';

/**
 * Frames shaped as homeostat-anomaly-datasource returns them (meta.custom.homeostat + the field
 * names in @homeostat/contracts' FRAME_FIELDS), for the panel's unit tests.
 */
export const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
export const STEP = 15_000;

export function scoresFrame(service: string, anomalousAt: number[], n = 40): DataFrame {
  const times = Array.from({ length: n }, (_, i) => T0 + i * STEP);
  const anomalies = times.map((_, i) => anomalousAt.includes(i));
  return createDataFrame({
    name: `services {service="${service}"}`,
    meta: { custom: { homeostat: 'scores' } },
    fields: [
      { name: 'time', type: FieldType.time, values: times },
      { name: 'score', type: FieldType.number, labels: { service }, values: anomalies.map((a, i) => (i < 2 ? null : a ? 1.6 : 0.3)) },
      { name: 'anomaly', type: FieldType.boolean, values: anomalies },
      { name: 'top_feature', type: FieldType.string, values: anomalies.map((a) => (a ? 'cpu' : null)) },
      { name: 'cpu', type: FieldType.number, values: anomalies.map((a) => (a ? 0.95 : 0.1)) },
    ],
  });
}

export function timelineFrame(rows: Array<[number, string, string, Record<string, unknown>?]>, incidentId = 'inc-1'): DataFrame {
  return createDataFrame({
    name: 'healing timeline',
    meta: { custom: { homeostat: 'timeline' } },
    fields: [
      { name: 'time', type: FieldType.time, values: rows.map((r) => r[0]) },
      { name: 'timeEnd', type: FieldType.time, values: rows.map(() => null) },
      { name: 'kind', type: FieldType.string, values: rows.map((r) => r[1]) },
      { name: 'status', type: FieldType.string, values: rows.map((r) => r[2]) },
      { name: 'title', type: FieldType.string, values: rows.map((r) => `${r[1]} ${r[2]}`) },
      { name: 'incidentId', type: FieldType.string, values: rows.map(() => incidentId) },
      { name: 'service', type: FieldType.string, values: rows.map(() => 'orders') },
      { name: 'detail', type: FieldType.string, values: rows.map((r) => JSON.stringify(r[3] ?? {})) },
    ],
  });
}
