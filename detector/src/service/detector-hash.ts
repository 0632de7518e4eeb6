import { createHash } from 'node:crypto';
import type { DetectorConfig } from './config';

/** Identifies the inputs a model was trained on; a stored model with another hash starts cold. */
export function detectorHash(d: DetectorConfig): string {
  const parts = [
    Object.entries(d.queries),
    d.groupBy,
    d.intervalSeconds,
    d.trainingWindowSeconds,
    d.refitIntervalSeconds,
    d.sensitivity,
    d.trees,
    d.sampleSize,
    d.seed,
    d.pipeline,
    // Only when declared, so the models of a detector without a policy keep their hash.
    ...(Object.keys(d.missing ?? {}).length ? [d.missing] : []),
  ];
  return createHash('sha1').update(JSON.stringify(parts)).digest('hex').slice(0, 12);
}
