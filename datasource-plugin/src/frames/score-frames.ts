import { DataFrame, FieldType, ThresholdsMode, createDataFrame } from '@grafana/data';
import type { ScoreResponse, ScoredSeries } from '@homeostat/contracts';
import { frameMeta } from './frame-kind';

/** Units for the fleet's usual feature names; anything else is shown unitless. */
const FEATURE_UNITS: Record<string, string> = {
  cpu: 'percentunit',
  memory: 'bytes',
  latency_p95: 's',
  error_ratio: 'percentunit',
  request_rate: 'reqps',
};

/** The score threshold: 1.0 is where the detector calls a point anomalous (contracts: ScoreResponse.threshold). */
export const SCORE_THRESHOLDS = {
  mode: ThresholdsMode.Absolute,
  steps: [
    { value: -Infinity, color: 'green' },
    { value: 1, color: 'red' },
  ],
};

function seriesName(s: ScoredSeries): string {
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`);
  return labels.length ? `${s.detector} {${labels.join(', ')}}` : s.detector;
}

/**
 * One frame per entity: time, the score (threshold at 1.0, drawn dashed by the time series panel),
 * the anomaly flag, the top feature, and each raw feature with its unit. Columns come straight from
 * the replay's column-oriented answer.
 */
export function scoreFrames(res: ScoreResponse, refId: string): DataFrame[] {
  return res.series.map((s) =>
    createDataFrame({
      refId,
      name: seriesName(s),
      meta: frameMeta('scores', { detector: s.detector, key: s.key, threshold: res.threshold }),
      fields: [
        { name: 'time', type: FieldType.time, values: s.timestamps, config: {} },
        {
          name: 'score',
          type: FieldType.number,
          values: s.scores,
          labels: s.labels,
          config: {
            displayName: `score ${seriesName(s)}`,
            unit: 'none',
            decimals: 2,
            min: 0,
            thresholds: SCORE_THRESHOLDS,
            custom: { thresholdsStyle: { mode: 'dashed' } },
          },
        },
        {
          name: 'anomaly',
          type: FieldType.boolean,
          values: s.anomalies,
          labels: s.labels,
          config: { custom: { hideFrom: { viz: true, legend: true, tooltip: false } } },
        },
        { name: 'top_feature', type: FieldType.string, values: s.topFeatures, labels: s.labels, config: {} },
        ...Object.entries(s.features).map(([feature, values]) => ({
          name: feature,
          type: FieldType.number,
          values,
          labels: s.labels,
          config: {
            unit: FEATURE_UNITS[feature] ?? 'none',
            custom: { hideFrom: { viz: true, legend: false, tooltip: false } },
          },
        })),
      ],
    })
  );
}
