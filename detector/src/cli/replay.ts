import { readFileSync, writeFileSync } from 'node:fs';
import { DetectorError } from '../errors';
import { StreamingDetector, StreamingDetectorOptions, ScoredPoint } from '../engine/streaming-detector';
import { parseCsvSeries } from './csv-series';
import { loadReplayConfig } from './replay-config';

export interface ReplayResult {
  /** The output CSV text: a header and exactly one row per input data row. */
  csv: string;
  points: ScoredPoint[];
  /** Input lines whose timestamp did not increase (scored in file order). */
  unordered: number[];
}

/**
 * Replays a CSV causally, row by row, through one streaming detector. Output columns:
 * `timestamp` (as written in the input), `anomaly_score` (calibrated, 1.0 = threshold; empty while
 * warming up or at a gap), `is_anomaly` (0/1), `top_feature` (the metric with the largest
 * contribution, empty when none).
 */
export function replayCsv(text: string, file: string, options: StreamingDetectorOptions = {}): ReplayResult {
  const series = parseCsvSeries(text, file);
  const detector = new StreamingDetector({ ...options, features: series.features });
  const out: string[] = ['timestamp,anomaly_score,is_anomaly,top_feature'];
  const points: ScoredPoint[] = [];
  for (let i = 0; i < series.values.length; i++) {
    let p: ScoredPoint;
    try {
      p = detector.push(series.timestamps[i], series.values[i]);
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
    out.push(`${series.timestampText[i]},${score},${p.anomaly ? 1 : 0},${top}`);
  }
  return { csv: out.join('\n') + '\n', points, unordered: series.unordered };
}

interface ReplayArgs {
  input: string;
  output: string;
  config?: string;
}

function parseArgs(args: string[]): ReplayArgs {
  const got: Partial<Record<'input' | 'output' | 'config', string>> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(0, eq) : a).replace(/^--/, '');
    if (!a.startsWith('--') || !['input', 'output', 'config'].includes(name)) {
      throw new DetectorError(
        'INVALID_INPUT',
        `unknown argument "${a}" (expected --input, --output, --config)`,
        { field: a },
      );
    }
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '') {
      throw new DetectorError('INVALID_INPUT', `--${name} needs a value`, { field: name });
    }
    got[name as 'input' | 'output' | 'config'] = value;
  }
  if (!got.input) throw new DetectorError('INVALID_INPUT', 'missing --input FILE.csv', { field: 'input' });
  if (!got.output) throw new DetectorError('INVALID_INPUT', 'missing --output OUT.csv', { field: 'output' });
  return { input: got.input, output: got.output, config: got.config };
}

/** `homeostat-detect replay`: exit 0 on success; 1 with one line on stderr on any bad input. */
export async function run(args: string[]): Promise<number> {
  try {
    const a = parseArgs(args);
    const options = a.config ? loadReplayConfig(a.config) : {};
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
    const anomalies = result.points.filter((p) => p.anomaly).length;
    const unordered = result.unordered.length
      ? `; ${result.unordered.length} rows with a repeated or backward timestamp scored in file order (first: line ${result.unordered[0]})`
      : '';
    process.stderr.write(
      `homeostat-detect: ${result.points.length} rows scored, ${anomalies} anomalous -> ${a.output}${unordered}\n`,
    );
    return 0;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`homeostat-detect: ${msg.split('\n')[0]}\n`);
    return 1;
  }
}
