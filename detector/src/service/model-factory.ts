import { ScoringPipeline, type ScoringPipelineOptions } from '../engine/scoring-pipeline';
import type { DetectorConfig, ModelConfig } from './config';
import type { ScoringModel } from './entity-registry';
import { MissingFill } from './missing-features';

/** Creates and restores entity models; the live loop, the REST replay and the CLI use the same options. */
export interface ModelFactory {
  create(d: DetectorConfig, stepSeconds: number, key: string, tuning?: ModelTuning): ScoringModel;
  restore(d: DetectorConfig, state: unknown): ScoringModel;
}

/** Engine settings that change the work done, never the scores (the replay's attribution floor). */
export type ModelTuning = { attributeAbove?: number };

/** The engine's share of anomalies in training data at sensitivity 1. */
const BASE_CONTAMINATION = 0.01;

/**
 * Translates a model's settings into the scoring pipeline's options at a given step: the training
 * window and refit interval become counts of steps, sensitivity scales the expected anomaly share
 * (contamination), which moves the forest's calibrated 1.0, and the pipeline's point counts pass
 * through. Scores depend only on the data and these options, never on the entity, so the CLI, the
 * REST replay and the live loop give the same score for the same input.
 */
export function engineOptions(
  d: ModelConfig,
  stepSeconds: number,
): ScoringPipelineOptions & { features?: string[] } {
  const p = d.pipeline;
  const trainingWindow = Math.max(10, Math.round(d.trainingWindowSeconds / stepSeconds));
  const refitEvery = Math.max(1, Math.round(d.refitIntervalSeconds / stepSeconds));
  const half = Math.floor(trainingWindow / 2);
  return {
    forest: {
      trees: d.trees,
      sampleSize: d.sampleSize,
      seed: d.seed,
      trainingWindow,
      // At most half the window, so a model is refitted on a window that has moved on.
      warmup: Math.max(2, Math.min(p.warmupPoints, half)),
      refitEvery,
      contamination: Math.min(0.45, Math.max(0.0005, BASE_CONTAMINATION * d.sensitivity)),
      zWindow: Math.max(8, Math.min(p.zWindowPoints, half)),
      rangeTolerance: -1,
    },
    likelihood: {
      shortWindow: p.likelihood.shortPoints,
      longWindow: p.likelihood.longPoints,
      minSamples: p.likelihood.minPoints,
      minStd: p.likelihood.minSpread,
      acceptAfter: p.likelihood.acceptAfterPoints,
    },
    robustZPoints: p.robustZPoints,
    robustZRelativeFloor: p.robustZRelativeFloor,
    robustZAbsoluteFloor: p.robustZAbsoluteFloor,
    seasonal: { periodMs: p.seasonal.periodSeconds * 1000, points: p.seasonal.points },
    range: {
      tolerance: p.rangeRule.tolerance,
      minPoints: p.rangeRule.minPoints,
      acceptAfter: p.rangeRule.acceptAfterPoints,
      minExcess: p.rangeRule.minExcess,
    },
    alarm: { level: p.alarm.level, holdPoints: p.alarm.holdPoints },
    demand: { features: p.demand?.features ?? null, resources: p.demand?.resources ?? null },
  };
}

/**
 * How much history a fresh model reads before its first live or replayed point: the training window,
 * or more when the pipeline needs more points to speak (forest warm-up, then the likelihood's
 * long-run history), so a restarted service scores from its first cycle whenever Prometheus still
 * has the data. The live loop and the REST replay use the same span, so they start alike.
 */
export function historyMs(d: ModelConfig, stepSeconds: number): number {
  const stepMs = Math.round(stepSeconds * 1000);
  const o = engineOptions(d, stepSeconds);
  const toWarm = (o.forest?.warmup ?? 0) + (o.likelihood?.minSamples ?? 0) + (o.forest?.zWindow ?? 0);
  return Math.max(Math.floor((d.trainingWindowSeconds * 1000) / stepMs), toWarm) * stepMs;
}

/**
 * The scoring pipeline, behind the detector's missing-feature policy when it declares one (a
 * detector without one gets the bare pipeline, so its stored models and scores are unchanged).
 */
export const engineModels: ModelFactory = {
  create: (d, stepSeconds, _key, tuning) => {
    const o = engineOptions(d, stepSeconds);
    const features = Object.keys(d.queries);
    const pipeline = new ScoringPipeline({ ...o, forest: { ...o.forest, ...tuning }, features });
    const missing = d.missing ?? {};
    return Object.keys(missing).length ? MissingFill.wrap(features, missing, pipeline) : pipeline;
  },
  restore: (_d, state) =>
    MissingFill.isState(state)
      ? MissingFill.fromState(state, ScoringPipeline.fromJSON(state.inner))
      : ScoringPipeline.fromJSON(state),
};
