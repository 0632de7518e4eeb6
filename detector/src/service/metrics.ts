import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { QUERY_ERROR_KINDS } from './prometheus-client';

/**
 * Every metric the detector service exposes, with its help text, in one place. The score gauges are
 * filled at scrape time from the live entities (`ScoreSource`), so an entity whose last score is
 * older than its staleness limit simply disappears from /metrics: Prometheus marks the series
 * stale instead of alerting on a frozen value.
 */

export interface ScoreSnapshot {
  detector: string;
  labels: Record<string, string>;
  score: number;
  anomaly: boolean;
  contributions: { feature: string; contribution: number }[];
}

export interface DroppedSteps {
  detector: string;
  labels: Record<string, string>;
  reason: string;
  count: number;
}

export interface EntityCounts {
  detector: string;
  warm: number;
  cold: number;
  /** Seconds since the oldest model of the detector was fitted; null before any fit. */
  oldestModelAgeSeconds: number | null;
}

export interface ScoreSource {
  scores(): Iterable<ScoreSnapshot>;
  entityCounts(): EntityCounts[];
  droppedSteps?(): Iterable<DroppedSteps>;
}

/**
 * Entity labels Prometheus sets on every scraped series itself (`job`, `instance`) are exported as
 * `exported_job` / `exported_instance`: what Prometheus would rename them to without honor_labels,
 * and not overwritten by the detector's own target labels with it. The shipped rules put them back
 * (provisioning/prometheus/rules/homeostat.yml), so an alert carries the entity's `instance`.
 */
export function exportedLabelName(label: string): string {
  return label === 'instance' || label === 'job' ? `exported_${label}` : label;
}

/** The query API endpoints and error kinds, so the error counter has its zero series from the start. */
const QUERY_ENDPOINTS = ['/api/v1/query_range', '/api/v1/query'] as const;

export const METRIC = {
  score: 'homeostat_anomaly_score',
  anomaly: 'homeostat_anomaly',
  contribution: 'homeostat_feature_contribution',
  cycleDuration: 'homeostat_detector_cycle_duration_seconds',
  cycles: 'homeostat_detector_cycles_total',
  entities: 'homeostat_detector_entities',
  modelAge: 'homeostat_detector_model_age_seconds',
  queryDuration: 'homeostat_detector_query_duration_seconds',
  queryErrors: 'homeostat_detector_query_errors_total',
  queryApiUp: 'homeostat_detector_query_api_up',
  queryWarnings: 'homeostat_detector_query_warnings_total',
  lastCycle: 'homeostat_detector_last_successful_cycle_timestamp_seconds',
  interval: 'homeostat_detector_interval_seconds',
  droppedSteps: 'homeostat_detector_dropped_steps_total',
  events: 'homeostat_detector_anomaly_events_total',
  duplicates: 'homeostat_detector_duplicate_series_total',
} as const;

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly cycleDuration: Histogram<'detector'>;
  readonly cycles: Counter<'detector' | 'result'>;
  readonly queryDuration: Histogram<'endpoint'>;
  readonly queryErrors: Counter<'endpoint' | 'kind'>;
  readonly queryApiUp: Gauge<'detector'>;
  readonly queryWarnings: Counter<'endpoint'>;
  readonly lastCycle: Gauge<'detector'>;
  readonly events: Counter<'detector'>;
  readonly duplicates: Counter<'detector'>;

  /**
   * `entityLabels` is the union of every detector's groupBy labels (gauges need fixed label names);
   * `detectors` names every detector with its interval, so per-detector series exist from the start.
   */
  constructor(
    entityLabels: readonly string[],
    source: ScoreSource,
    detectors: readonly { name: string; intervalSeconds: number }[] = [],
  ) {
    const labels = ['detector', ...entityLabels.map(exportedLabelName)];
    const reg = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'homeostat_detector_' });
    // prom-client names these gauges *_total, which `promtool check metrics` rejects (reserved for counters).
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ]) {
      this.registry.removeSingleMetric(`homeostat_detector_${name}`);
    }

    const fill = (snap: { detector: string; labels: Record<string, string> }): Record<string, string> => {
      const out: Record<string, string> = { detector: snap.detector };
      for (const l of entityLabels) out[exportedLabelName(l)] = snap.labels[l] ?? '';
      return out;
    };
    // Each gauge fills itself from the source at scrape time (prom-client calls collect() per metric).
    const score: Gauge<string> = new Gauge({
      name: METRIC.score,
      help: 'Anomaly score per entity; 1.0 is the threshold, above 1 is anomalous.',
      labelNames: labels,
      registers: reg,
      collect() {
        score.reset();
        for (const s of source.scores()) score.set(fill(s), s.score);
      },
    });
    const anomaly: Gauge<string> = new Gauge({
      name: METRIC.anomaly,
      help: '1 while the entity is anomalous (score above 1), else 0.',
      labelNames: labels,
      registers: reg,
      collect() {
        anomaly.reset();
        for (const s of source.scores()) anomaly.set(fill(s), s.anomaly ? 1 : 0);
      },
    });
    const contribution: Gauge<string> = new Gauge({
      name: METRIC.contribution,
      help: 'Share of the latest anomaly score attributed to each feature (sums to 1 per entity).',
      labelNames: [...labels, 'feature'],
      registers: reg,
      collect() {
        contribution.reset();
        for (const s of source.scores()) {
          const l = fill(s);
          for (const c of s.contributions) contribution.set({ ...l, feature: c.feature }, c.contribution);
        }
      },
    });
    const entities: Gauge<'detector' | 'state'> = new Gauge({
      name: METRIC.entities,
      help: 'Entities followed per detector, by model state (warm scores, cold is still learning).',
      labelNames: ['detector', 'state'],
      registers: reg,
      collect() {
        entities.reset();
        for (const c of source.entityCounts()) {
          entities.set({ detector: c.detector, state: 'warm' }, c.warm);
          entities.set({ detector: c.detector, state: 'cold' }, c.cold);
        }
      },
    });
    const modelAge: Gauge<'detector'> = new Gauge({
      name: METRIC.modelAge,
      help: 'Age of the oldest fitted model per detector.',
      labelNames: ['detector'],
      registers: reg,
      collect() {
        modelAge.reset();
        for (const c of source.entityCounts())
          if (c.oldestModelAgeSeconds !== null)
            modelAge.set({ detector: c.detector }, c.oldestModelAgeSeconds);
      },
    });

    this.cycleDuration = new Histogram({
      name: METRIC.cycleDuration,
      help: 'Duration of one scoring cycle of a detector (query, align, score).',
      labelNames: ['detector'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60],
      registers: reg,
    });
    this.cycles = new Counter({
      name: METRIC.cycles,
      help: 'Scoring cycles by result (ok, error).',
      labelNames: ['detector', 'result'],
      registers: reg,
    });
    this.queryDuration = new Histogram({
      name: METRIC.queryDuration,
      help: 'Duration of HTTP requests to the query API, per attempt.',
      labelNames: ['endpoint'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: reg,
    });
    this.queryErrors = new Counter({
      name: METRIC.queryErrors,
      help: 'Failed requests to the query API by kind (network, timeout, http_5xx, http_429, http_4xx, bad_response).',
      labelNames: ['endpoint', 'kind'],
      registers: reg,
    });
    // Zero series from the start: increase() and rate() need a sample before the first error.
    for (const endpoint of QUERY_ENDPOINTS)
      for (const kind of QUERY_ERROR_KINDS) this.queryErrors.inc({ endpoint, kind }, 0);
    this.queryWarnings = new Counter({
      name: METRIC.queryWarnings,
      help: 'Warnings in successful query API answers (e.g. a partial response from Thanos).',
      labelNames: ['endpoint'],
      registers: reg,
    });
    for (const endpoint of QUERY_ENDPOINTS) this.queryWarnings.inc({ endpoint }, 0);
    this.queryApiUp = new Gauge({
      name: METRIC.queryApiUp,
      help: "1 if the detector's last scoring cycle could query the API, else 0 (absent before its first cycle).",
      labelNames: ['detector'],
      registers: reg,
    });
    const interval = new Gauge({
      name: METRIC.interval,
      help: "The detector's scoring interval (HomeostatDetectorStale compares the last successful cycle with it).",
      labelNames: ['detector'],
      registers: reg,
    });
    for (const d of detectors) interval.set({ detector: d.name }, d.intervalSeconds);
    const dropped: Counter<string> = new Counter({
      name: METRIC.droppedSteps,
      help: 'Steps of an entity that got no score, by reason (missing_feature, stale, warming, rejected), since the entity appeared in this process.',
      labelNames: [...labels, 'reason'],
      registers: reg,
      collect() {
        dropped.reset();
        for (const x of source.droppedSteps?.() ?? []) dropped.inc({ ...fill(x), reason: x.reason }, x.count);
      },
    });
    this.lastCycle = new Gauge({
      name: METRIC.lastCycle,
      help: 'Unix time of the last successful cycle per detector.',
      labelNames: ['detector'],
      registers: reg,
    });
    this.events = new Counter({
      name: METRIC.events,
      help: 'Anomaly events opened per detector.',
      labelNames: ['detector'],
      registers: reg,
    });
    this.duplicates = new Counter({
      name: METRIC.duplicates,
      help: 'Series dropped because a feature query returned several series for one entity (aggregate by the groupBy labels).',
      labelNames: ['detector'],
      registers: reg,
    });
  }
}
