import { readFileSync, writeFileSync } from 'node:fs';
import { DetectorError } from '../errors';
import { rankRootCauses, type RankedEntity } from '../engine/root-cause';
import { parseCallEdges } from './call-edges-csv';
import { csvCell } from './csv-records';
import { parseTimestamp } from './csv-series';
import { parseLongMetrics } from './long-metrics-csv';

interface RcaArgs {
  metrics: string;
  graph: string;
  from: number;
  top: number;
  output?: string;
}

const NAMES = ['metrics', 'graph', 'from', 'top', 'output'] as const;

function parseArgs(args: string[]): RcaArgs {
  const got: Partial<Record<(typeof NAMES)[number], string>> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = (eq > 0 ? a.slice(0, eq) : a).replace(/^--/, '');
    if (!a.startsWith('--') || !(NAMES as readonly string[]).includes(name))
      throw new DetectorError(
        'INVALID_INPUT',
        `unknown argument "${a}" (expected ${NAMES.map((n) => `--${n}`).join(', ')})`,
        {
          field: a,
        },
      );
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === '')
      throw new DetectorError('INVALID_INPUT', `--${name} needs a value`, { field: name });
    got[name as (typeof NAMES)[number]] = value;
  }
  for (const required of ['metrics', 'graph', 'from'] as const)
    if (!got[required])
      throw new DetectorError('INVALID_INPUT', `missing --${required}`, { field: required });
  const from = parseTimestamp(got.from as string);
  if (from === null)
    throw new DetectorError('INVALID_INPUT', `--from "${got.from}" is neither Unix seconds nor ISO 8601`, {
      field: 'from',
    });
  const top = got.top === undefined ? 5 : Number(got.top);
  if (!Number.isInteger(top) || top < 1)
    throw new DetectorError('INVALID_INPUT', `--top "${got.top}" must be a whole number ≥ 1`, {
      field: 'top',
    });
  return { metrics: got.metrics as string, graph: got.graph as string, from, top, output: got.output };
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new DetectorError(
      'IO_ERROR',
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: err,
      },
    );
  }
}

/** The output CSV: `rank,entity,score,top_metric`, rank 1 = most likely root cause. */
export function formatRanking(ranked: readonly RankedEntity[]): string {
  const lines = ['rank,entity,score,top_metric'];
  ranked.forEach((r, i) =>
    lines.push(`${i + 1},${csvCell(r.entity)},${r.score.toFixed(4)},${csvCell(r.topMetric)}`),
  );
  return lines.join('\n') + '\n';
}

/**
 * `homeostat-detect rca --metrics METRICS.csv --graph EDGES.csv --from T [--top K] [--output OUT.csv]`:
 * ranks the likely root causes of the incident starting at T (rows before T are history). Writes the
 * ranking to OUT.csv or stdout; exit 0, or 1 with one line on stderr naming the file, line and problem.
 */
export async function run(args: string[]): Promise<number> {
  try {
    const a = parseArgs(args);
    const series = parseLongMetrics(read(a.metrics), a.metrics);
    const edges = parseCallEdges(read(a.graph), a.graph);
    let before = 0;
    let after = 0;
    for (const metrics of series.values())
      for (const s of metrics.values())
        s.values.forEach((v, i) => {
          if (v !== null) {
            if (s.timestamps[i] < a.from) before++;
            else after++;
          }
        });
    if (before === 0)
      throw new DetectorError(
        'INVALID_INPUT',
        `${a.metrics}: no value before --from: the ranker needs normal history`,
        {
          field: 'from',
        },
      );
    if (after === 0)
      throw new DetectorError('INVALID_INPUT', `${a.metrics}: no value from --from on: nothing to rank`, {
        field: 'from',
      });
    const csv = formatRanking(rankRootCauses({ series, edges, from: a.from }).slice(0, a.top));
    if (a.output === undefined) process.stdout.write(csv);
    else
      try {
        writeFileSync(a.output, csv);
      } catch (err) {
        throw new DetectorError(
          'IO_ERROR',
          `${a.output}: cannot write (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
          { cause: err },
        );
      }
    return 0;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`homeostat-detect: ${msg.split('\n')[0]}\n`);
    return 1;
  }
}
