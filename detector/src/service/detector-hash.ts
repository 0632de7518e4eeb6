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
    pipelineForHash(d.pipeline),
    // Only when declared, so the models of a detector without a policy keep their hash.
    ...(Object.keys(d.missing ?? {}).length ? [d.missing] : []),
  ];
  return createHash('sha1').update(JSON.stringify(parts)).digest('hex').slice(0, 12);
}

/**
 * The pipeline settings without the robust z floors and the range rule's smallest excess at their
 * defaults (none), so the models of a detector that does not set them keep the hash they had before
 * those settings existed.
 */
function pipelineForHash(p: DetectorConfig['pipeline']): unknown {
  // demand: which features are context is read at each point, never learned, so it is no input
  // of a model and changing it keeps the models
  const { robustZRelativeFloor, robustZAbsoluteFloor, demand: _demand, ...rest } = p;
  const { minExcess, ...range } = p.rangeRule;
  return {
    // rangeRule replaced where it stands: JSON.stringify follows key order, and a key moved to the
    // end would change every detector's hash (every stored model would start cold after an upgrade)
    ...rest,
    rangeRule: Object.keys(minExcess).length ? p.rangeRule : range,
    ...(robustZRelativeFloor ? { robustZRelativeFloor } : {}),
    ...(Object.keys(robustZAbsoluteFloor).length ? { robustZAbsoluteFloor } : {}),
  };
}
