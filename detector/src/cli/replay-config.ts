import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { issuePath } from '@homeostat/contracts';
import { DetectorError } from '../errors';
import type { StreamingDetectorOptions } from '../engine/streaming-detector';

/** The replay's `--config` file (YAML or JSON): the streaming detector's options, all optional. */
export const ReplayConfig = z
  .object({
    trees: z.number().int().positive(),
    sampleSize: z.number().int().min(2),
    seed: z.number().int(),
    warmup: z.number().int().min(2),
    trainingWindow: z.number().int().positive(),
    refitEvery: z.number().int().positive(),
    contamination: z.number().gt(0).lt(0.5),
    excludeAnomalies: z.boolean(),
    excludeAbove: z.number().min(1),
    rangeTolerance: z.number(),
    acceptAfter: z.number().int().nonnegative(),
    deltas: z.boolean(),
    robustZ: z.boolean(),
    zWindow: z.number().int().min(8),
    zClip: z.number().positive(),
    timeFeatures: z.boolean(),
    seasonMs: z.number().nonnegative(),
    staleAfterMs: z.number().positive(),
  })
  .partial()
  .strict();
export type ReplayConfig = z.infer<typeof ReplayConfig>;

export function loadReplayConfig(path: string): StreamingDetectorOptions {
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
      {
        cause: err,
      },
    );
  }
  const r = ReplayConfig.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issuePath(issue.path) || '(root)';
    throw new DetectorError('INVALID_CONFIG', `${path}: ${field}: ${issue.message}`, { field });
  }
  return r.data;
}
