import { createHash } from 'node:crypto';
import { StreamingDetector, type StreamingDetectorOptions } from '../engine/streaming-detector';
import type { DetectorConfig } from './config';
import type { ScoringModel } from './entity-registry';

/** Creates and restores entity models; the live loop and the replay use the same options. */
export interface ModelFactory {
  /** `key` is the entity key: it sets the model's refit phase, so live and replay models match. */
  create(d: DetectorConfig, stepSeconds: number, key: string, tuning?: ModelTuning): ScoringModel;
  restore(d: DetectorConfig, state: unknown): ScoringModel;
}

/** Engine settings that change the work done, never the scores (the replay's attribution floor). */
export type ModelTuning = Pick<StreamingDetectorOptions, 'attributeAbove'>;

/** The engine's share of anomalies in training data at sensitivity 1 (its own default). */
const BASE_CONTAMINATION = 0.01;

/** A stable number in [0, n) from an entity key. */
function phaseOf(key: string, n: number): number {
  return n <= 1 ? 0 : createHash('sha1').update(key).digest().readUInt32BE(0) % n;
}

/**
 * Translates a detector's time-based settings into the engine's sample counts at a given step:
 * the training window and refit interval become counts of steps, and sensitivity scales the
 * expected anomaly share (contamination), which moves the calibrated 1.0 threshold.
 *
 * The warm-up length varies by entity (shorter by up to one refit interval, at most half), which spreads later
 * refits evenly over the refit interval: entities discovered together would otherwise all refit in
 * the same cycle, and with 10k entities that one cycle would overrun the interval.
 */
export function engineOptions(
  d: DetectorConfig,
  stepSeconds: number,
  key = '',
): StreamingDetectorOptions & { features: string[] } {
  const trainingWindow = Math.max(10, Math.round(d.trainingWindowSeconds / stepSeconds));
  const refitEvery = Math.max(1, Math.round(d.refitIntervalSeconds / stepSeconds));
  const baseWarmup = Math.max(2, Math.min(128, Math.floor(trainingWindow / 2)));
  // At most half the warm-up is given up, so no model is fitted on too few samples.
  const warmup = Math.max(2, baseWarmup - phaseOf(key, Math.min(refitEvery, Math.floor(baseWarmup / 2))));
  return {
    features: Object.keys(d.queries),
    trees: d.trees,
    sampleSize: d.sampleSize,
    seed: d.seed,
    trainingWindow,
    warmup,
    refitEvery,
    contamination: Math.min(0.45, Math.max(0.0005, BASE_CONTAMINATION * d.sensitivity)),
    zWindow: Math.max(8, Math.min(60, Math.floor(trainingWindow / 2))),
  };
}

export const engineModels: ModelFactory = {
  create: (d, stepSeconds, key, tuning) =>
    new StreamingDetector({ ...engineOptions(d, stepSeconds, key), ...tuning }),
  restore: (_d, state) => StreamingDetector.fromJSON(state),
};
