import type { MetricSeries } from '../engine/root-cause';
import { parseTimestamp } from './csv-series';
import { csvProblem, readCsvRecords } from './csv-records';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const GAP = new Set(['', 'nan', 'null', 'na', 'none']);

/** entity → metric → series, each in time order. */
export type EntitySeries = Map<string, Map<string, MetricSeries>>;

/**
 * Reads a long-format metrics CSV, header `timestamp,entity,metric,value`: one value a row, rows in
 * any order. Timestamps are Unix seconds (fractions allowed) or ISO 8601; an empty value is a gap.
 */
export function parseLongMetrics(text: string, file: string): EntitySeries {
  const rows = new Map<string, Map<string, { t: number; v: number | null }[]>>();
  for (const { cells, line } of readCsvRecords(text, file, ['timestamp', 'entity', 'metric', 'value'])) {
    const [ts, entity, metric, value] = cells;
    const t = parseTimestamp(ts);
    if (t === null) throw csvProblem(file, line, `timestamp "${ts}" is neither Unix seconds nor ISO 8601`);
    if (entity === '') throw csvProblem(file, line, 'entity is empty');
    if (metric === '') throw csvProblem(file, line, 'metric is empty');
    let v: number | null = null;
    if (!GAP.has(value.toLowerCase())) {
      if (!NUMBER.test(value))
        throw csvProblem(file, line, `value "${value}" is not a number (leave it empty for a gap)`);
      v = Number(value);
    }
    let byMetric = rows.get(entity);
    if (!byMetric) rows.set(entity, (byMetric = new Map()));
    let points = byMetric.get(metric);
    if (!points) byMetric.set(metric, (points = []));
    points.push({ t, v });
  }
  const out: EntitySeries = new Map();
  for (const [entity, byMetric] of rows) {
    const m = new Map<string, MetricSeries>();
    for (const [metric, points] of byMetric) {
      points.sort((a, b) => a.t - b.t);
      m.set(metric, { timestamps: points.map((p) => p.t), values: points.map((p) => p.v) });
    }
    out.set(entity, m);
  }
  return out;
}
