import { StreamingDetector, type StreamingDetectorOptions } from '../engine/streaming-detector';
import type { DetectorConfig } from './config';
import type { ScoringModel } from './entity-registry';

/** Creates and restores entity models; the live loop and the replay use the same options. */
export interface ModelFactory {
  create(d: DetectorConfig, stepSeconds: number): ScoringModel;
  restore(d: DetectorConfig, state: unknown): ScoringModel;
}

/** The engine's share of anomalies in training data at sensitivity 1 (its own default). */
const BASE_CONTAMINATION = 0.01;

/**
 * Translates a detector's time-based settings into the engine's sample counts at a given step:
 * the training window and refit interval become counts of steps, and sensitivity scales the
 * expected anomaly share (contamination), which moves the calibrated 1.0 threshold.
 */
export function engineOptions(d: DetectorConfig, stepSeconds: number): StreamingDetectorOptions & { features: string[] } {
  const trainingWindow = Math.max(10, Math.round(d.trainingWindowSeconds / stepSeconds));
  return {
    features: Object.keys(d.queries),
    trees: d.trees,
    sampleSize: d.sampleSize,
    seed: d.seed,
    trainingWindow,
    warmup: Math.max(2, Math.min(128, Math.floor(trainingWindow / 2))),
    refitEvery: Math.max(1, Math.round(d.refitIntervalSeconds / stepSeconds)),
    contamination: Math.min(0.45, Math.max(0.0005, BASE_CONTAMINATION * d.sensitivity)),
    zWindow: Math.max(8, Math.min(60, Math.floor(trainingWindow / 2))),
  };
}

export const engineModels: ModelFactory = {
  create: (d, stepSeconds) => new StreamingDetector(engineOptions(d, stepSeconds)),
  restore: (_d, state) => StreamingDetector.fromJSON(state),
};
