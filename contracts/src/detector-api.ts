import { z } from 'zod';
import { EpochMs, Labels, QueryEpochMs, RequestEpochMs } from './common';

/**
 * The detector's REST API (served by @homeostat/detector, read by the Grafana datasource).
 * Scores are calibrated: 1.0 is the anomaly threshold, as vmanomaly's anomaly_score.
 */

/** How much one feature drove a score; contributions of one point sum to 1 when the score is > 0. */
export const FeatureContribution = z.object({
  feature: z.string(),
  contribution: z.number(),
});
export type FeatureContribution = z.infer<typeof FeatureContribution>;

export const DetectorInfo = z.object({
  name: z.string(),
  /** Feature name -> PromQL query. */
  queries: z.record(z.string(), z.string()),
  groupBy: z.array(z.string()),
  intervalSeconds: z.number().positive(),
  trainingWindowSeconds: z.number().positive(),
  refitIntervalSeconds: z.number().positive(),
  sensitivity: z.number(),
  /**
   * First timestamp the live loop scored since the service started (null before its first cycle).
   * A replay (POST /api/v1/score) from here at intervalSeconds reproduces the live scores.
   */
  liveSince: EpochMs.nullable().optional(),
});
export type DetectorInfo = z.infer<typeof DetectorInfo>;

export const EntityInfo = z.object({
  detector: z.string(),
  /** Stable id of the entity: its groupBy labels rendered as `k="v",...` in label order. */
  key: z.string(),
  labels: Labels,
  /** False until the model has seen enough samples to score. */
  warm: z.boolean(),
  lastScore: z.number().nullable(),
  lastScoredAt: EpochMs.nullable(),
  /** When the entity's current model was fitted; null before the first fit. */
  modelFittedAt: EpochMs.nullable(),
});
export type EntityInfo = z.infer<typeof EntityInfo>;

/**
 * Causal replay over a range: either a configured detector, or ad-hoc PromQL (one query per
 * feature, or a single `query` scored as a one-feature detector).
 */
export const ScoreRequest = z
  .object({
    detector: z.string().min(1).optional(),
    query: z.string().min(1).optional(),
    queries: z.record(z.string(), z.string().min(1)).optional(),
    groupBy: z.array(z.string()).optional(),
    from: RequestEpochMs,
    to: RequestEpochMs,
    /** Step between points, in seconds (Prometheus' query_range step). */
    stepSeconds: z.number().positive(),
    /** Restrict the answer to entities whose labels match all of these. */
    match: Labels.optional(),
  })
  .refine((r) => r.to > r.from, { path: ['to'], message: 'to must be after from' })
  .refine((r) => [r.detector, r.query, r.queries].filter((x) => x !== undefined).length === 1, {
    path: ['detector'],
    message: 'give exactly one of detector, query or queries',
  });
export type ScoreRequest = z.infer<typeof ScoreRequest>;

/** One entity's replay, column-oriented so it maps onto a Grafana DataFrame without copying. */
export const ScoredSeries = z.object({
  detector: z.string(),
  key: z.string(),
  labels: Labels,
  timestamps: z.array(EpochMs),
  /** null while warming up or where the input had a gap. */
  scores: z.array(z.number().nullable()),
  anomalies: z.array(z.boolean()),
  topFeatures: z.array(z.string().nullable()),
  /** Raw feature values as read from Prometheus, null where missing. */
  features: z.record(z.string(), z.array(z.number().nullable())),
});
export type ScoredSeries = z.infer<typeof ScoredSeries>;

export const ScoreResponse = z.object({
  from: EpochMs,
  to: EpochMs,
  stepSeconds: z.number().positive(),
  threshold: z.literal(1),
  series: z.array(ScoredSeries),
  /**
   * Warnings the query API returned with the data (e.g. a Thanos partial response when the detector
   * allows them): the scores may rest on incomplete series. Absent when there were none.
   */
  warnings: z.array(z.string()).optional(),
});
export type ScoreResponse = z.infer<typeof ScoreResponse>;

/** A run of consecutive anomalous points of one entity. */
export const AnomalyEvent = z.object({
  id: z.string(),
  detector: z.string(),
  key: z.string(),
  labels: Labels,
  start: EpochMs,
  /** null while the anomaly is still going on. */
  end: EpochMs.nullable(),
  peakScore: z.number(),
  peakAt: EpochMs,
  topFeatures: z.array(FeatureContribution),
});
export type AnomalyEvent = z.infer<typeof AnomalyEvent>;

export const EventsQuery = z.object({
  from: QueryEpochMs,
  to: QueryEpochMs,
  detector: z.string().optional(),
  key: z.string().optional(),
});
export type EventsQuery = z.infer<typeof EventsQuery>;

export const EventsResponse = z.object({ events: z.array(AnomalyEvent) });
export type EventsResponse = z.infer<typeof EventsResponse>;

export const DetectorsResponse = z.object({ detectors: z.array(DetectorInfo) });
export type DetectorsResponse = z.infer<typeof DetectorsResponse>;

export const EntitiesResponse = z.object({ entities: z.array(EntityInfo) });
export type EntitiesResponse = z.infer<typeof EntitiesResponse>;
