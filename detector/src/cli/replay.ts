import { readFileSync, writeFileSync } from 'node:fs';
import { DetectorError } from '../errors';
import { ScoringPipeline, type PipelinePoint } from '../engine/scoring-pipeline';
import { modelConfig } from '../service/config';
import type { ScoringModel } from '../service/entity-registry';
import { MissingFill } from '../service/missing-features';
import { engineOptions } from '../service/model-factory';
import { parseCsvSeries } from './csv-series';
import { defaultReplaySettings, loadReplayConfig, type ReplaySettings } from './replay-config';

export interface ReplayResult {
  /** The output CSV text: a header and exactly one row per input data row. */
  csv: string;
  points: PipelinePoint[];
  /** The series' step (median interval), at which time-based settings were turned into points. */
  stepSeconds: number;
  /** Input lines whose timestamp did not increase (scored in file order). */
  unordered: number[];
}

/** The median interval between rows, in seconds (1 for a single row). */
export function medianStepSeconds(timestamps: readonly number[]): number {
  const d: number[] = [];
  for (let i = 1; i < timestamps.length; i++)
    if (timestamps[i] > timestamps[i - 1]) d.push(timestamps[i] - timestamps[i - 1]);
  if (d.length === 0) return 1;
  d.sort((a, b) => a - b);
  return d[d.length >> 1] / 1000;
}

/**
 * Replays a CSV causally, row by row, through the detector's scoring pipeline — the same one the
 * service runs live — with the detector config's settings at the series' step. Output columns:
 * `timestamp` (as written in the input), `anomaly_score` (calibrated and bounded, 1.0 = the alarm
 * line; empty while warming up or at a gap), `is_anomaly` (1 where an alarm opens, as the live
 * alert fires), `top_feature` (the metric that drove the score, empty when none).
 */
export function replayCsv(
  text: string,
  file: string,
  settings: ReplaySettings = defaultReplaySettings(),
): ReplayResult {
  const series = parseCsvSeries(text, file);
  if (series.unordered.length * 2 > series.timestamps.length) {
    // Scored in file order, a newest-first export would run time backwards through every model.
    throw new DetectorError(
      'INVALID_CSV',
      `${file}: timestamps mostly decrease; sort the rows oldest first`,
      {
        field: 'timestamp',
      },
    );
  }
  const stepSeconds = medianStepSeconds(series.timestamps);
  const pipeline = new ScoringPipeline({
    ...engineOptions(modelConfig(settings, stepSeconds), stepSeconds),
    features: series.features,
  });
  // The detector's missing-feature policy, as the service applies it (model-factory.ts).
  const missing = Object.fromEntries(Object.entries(settings.missing ?? {}).filter(([, p]) => p !== 'skip'));
  for (const f of Object.keys(missing)) {
    if (!series.features.includes(f))
      throw new DetectorError('INVALID_CONFIG', `missing.${f}: the CSV has no column ${f}`, {
        field: `missing.${f}`,
      });
  }
  const detector: ScoringModel = Object.keys(missing).length
    ? MissingFill.wrap(series.features, missing, pipeline)
    : pipeline;
  const out: string[] = ['timestamp,anomaly_score,is_anomaly,top_feature'];
  const points: PipelinePoint[] = [];
  for (let i = 0; i < series.values.length; i++) {
    let p: PipelinePoint;
    try {
      // the pipeline's own point, through the missing-feature wrapper when there is one
      p = detector.push(series.timestamps[i], series.values[i]) as PipelinePoint;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new DetectorError('INVALID_CSV', `${file}:${series.lines[i]}: ${msg}`, {
        field: `line ${series.lines[i]}`,
        cause: err,
      });
    }
    points.push(p);
    let top = '';
    let best = 0;
    for (const c of p.contributions) {
      if (c.contribution > best) {
        best = c.contribution;
        top = c.feature;
      }
    }
    const score = p.score === null ? '' : String(Math.round(p.score * 1e6) / 1e6);
    out.push(`${series.timestampText[i]},${score},${p.onset ? 1 : 0},${top}`);
  }
  return { csv: out.join('\n') + '\n', points, unordered: series.unordered, stepSeconds };
}

interface ReplayArgs {
  input: string;
  output: string;
  config?: string;
  detector?: string;
}

function parseArgs(args: string[]): ReplayArgs {
  const names = ['input', 'output', 'config', 'detector'] as const;
  const got: Partial<Record<(typeof names)[number], string>> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(0, eq) : a).replace(/^--/, '');
    if (!a.startsWith('--') || !(names as readonly string[]).includes(name)) {
      throw new DetectorError(
        'INVALID_INPUT',
        `unknown argument "${a}" (expected --input, --output, --config, --detector)`,
        { field: a },
      );
    }
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') {
      throw new DetectorError('INVALID_INPUT', `--${name} needs a value`, { field: name });
    }
    got[name as (typeof names)[number]] = value;
  }
  if (!got.input) throw new DetectorError('INVALID_INPUT', 'missing --input FILE.csv', { field: 'input' });
  if (!got.output) throw new DetectorError('INVALID_INPUT', 'missing --output OUT.csv', { field: 'output' });
  return { input: got.input, output: got.output, config: got.config, detector: got.detector };
}

/** `homeostat-detect replay`: exit 0 on success; 1 with one line on stderr on any bad input. */
export async function run(args: string[]): Promise<number> {
  try {
    const a = parseArgs(args);
    if (a.detector !== undefined && a.config === undefined)
      throw new DetectorError('INVALID_INPUT', '--detector needs --config', { field: 'detector' });
    const options = a.config ? loadReplayConfig(a.config, a.detector) : defaultReplaySettings();
    let text: string;
    try {
      text = readFileSync(a.input, 'utf8');
    } catch (err) {
      throw new DetectorError(
        'IO_ERROR',
        `${a.input}: cannot read input (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        {
          cause: err,
        },
      );
    }
    const result = replayCsv(text, a.input, options);
    try {
      writeFileSync(a.output, result.csv);
    } catch (err) {
      throw new DetectorError(
        'IO_ERROR',
        `${a.output}: cannot write output (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        {
          cause: err,
        },
      );
    }
    const anomalies = result.points.filter((p) => p.onset).length;
    const unordered = result.unordered.length
      ? `; ${result.unordered.length} rows with a repeated or backward timestamp scored in file order (first: line ${result.unordered[0]})`
      : '';
    process.stderr.write(
      `homeostat-detect: ${result.points.length} rows scored at a ${result.stepSeconds} s step, ${anomalies} alarms -> ${a.output}${unordered}\n`,
    );
    return 0;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`homeostat-detect: ${msg.split('\n')[0]}\n`);
    return 1;
  }
}
