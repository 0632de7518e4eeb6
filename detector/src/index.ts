// Public surface of @homeostat/detector: the engine (pure, no I/O) and the coded error.
export { DetectorError, DetectorErrorCode } from './errors';
export type { DetectorErrorOptions } from './errors';
export { IsolationForest, averagePathLength } from './engine/isolation-forest';
export type { IsolationForestOptions, IsolationForestJSON } from './engine/isolation-forest';
export { FeaturePipeline } from './engine/feature-pipeline';
export type { FeaturePipelineOptions, FeatureStatus, FeatureStep } from './engine/feature-pipeline';
export { StreamingDetector } from './engine/streaming-detector';
export type {
  ScoredPoint,
  StreamingDetectorOptions,
  StreamingDetectorState,
} from './engine/streaming-detector';
export type { FeatureContribution } from './engine/attribution';
export { AnomalyLikelihood, logLikelihoodScore } from './engine/anomaly-likelihood';
export type { AnomalyLikelihoodOptions } from './engine/anomaly-likelihood';
export { RangeGuard } from './engine/range-guard';
export { nabScore, NAB_PROFILES } from './engine/nab-scorer';
export type { NabFile, NabProfile, NabResult } from './engine/nab-scorer';
export type { Calibration } from './engine/calibration';
export { rankRootCauses, RootCauseOptions } from './engine/root-cause';
export type { DetectorVerdict, MetricSeries, RankedEntity, RootCauseInput, RootCauseOptionsInput } from './engine/root-cause';
// The detection service's config schema and metric names (the service itself, which loads fastify and
// better-sqlite3, is started by `homeostat-detect serve`, so importing the engine stays light).
export { loadConfigFile, parseConfig } from './service/config';
export type { ServiceConfig, DetectorConfig, PrometheusConfig } from './service/config';
export { METRIC } from './service/metrics';
