import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { issuePath } from '@homeostat/contracts';
import { DetectorError } from '../errors';
import { DetectorConfigInput, ModelSettings, type MissingPolicy } from '../service/config';

/** A model's settings, plus a detector's missing-feature policy when the config names a detector. */
export type ReplaySettings = z.infer<typeof ModelSettings> & { missing?: Record<string, MissingPolicy> };

/** The settings the replay uses without `--config`: the detector config's defaults. */
export function defaultReplaySettings(): ReplaySettings {
  return ModelSettings.parse({});
}

function invalid(path: string, issue: z.core.$ZodIssue, prefix: (string | number)[] = []): DetectorError {
  const field = issuePath([...prefix, ...issue.path]) || '(root)';
  return new DetectorError('INVALID_CONFIG', `${path}: ${field}: ${issue.message}`, { field });
}

/**
 * The replay's `--config` file (YAML or JSON) is either a detector service config, whose detector
 * named `detector` (default: the first) lends its model settings, or just those settings
 * (`trainingWindowSeconds`, `sensitivity`, `pipeline`, ...), all optional.
 */
export function loadReplayConfig(path: string, detector?: string): ReplaySettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DetectorError('IO_ERROR', `${path}: cannot read config (${(err as Error).message})`, {
      cause: err,
    });
  }
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    throw new DetectorError(
      'INVALID_CONFIG',
      `${path}: not valid YAML/JSON (${(err as Error).message.split('\n')[0]})`,
      { cause: err },
    );
  }
  const detectors = (doc as { detectors?: unknown }).detectors;
  if (Array.isArray(detectors)) {
    const i =
      detector === undefined
        ? 0
        : detectors.findIndex(
            (d) => (d as { name?: unknown })?.name === detector || (d as { job?: unknown })?.job === detector,
          );
    if (i < 0 || detectors[i] === undefined)
      throw new DetectorError('INVALID_CONFIG', `${path}: no detector named ${detector ?? '(any)'}`, {
        field: 'detectors',
      });
    const r = DetectorConfigInput.safeParse(detectors[i]);
    if (!r.success) throw invalid(path, r.error.issues[0], ['detectors', i]);
    const d = r.data;
    return {
      trainingWindowSeconds: d.trainingWindowSeconds,
      refitIntervalSeconds: d.refitIntervalSeconds,
      sensitivity: d.sensitivity,
      trees: d.trees,
      sampleSize: d.sampleSize,
      seed: d.seed,
      pipeline: d.pipeline,
      missing: d.missing,
    };
  }
  if (detector !== undefined)
    throw new DetectorError('INVALID_CONFIG', `${path}: --detector needs a config with detectors`, {
      field: 'detector',
    });
  const r = ModelSettings.safeParse(doc);
  if (!r.success) throw invalid(path, r.error.issues[0]);
  return r.data;
}
