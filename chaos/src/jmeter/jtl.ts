import { readFileSync } from 'node:fs';
import { ChaosError } from '../errors';
import type { LoadProfileName } from '../experiment/experiment-schema';
import { percentile } from '../metrics/percentile';
import type { LoadBucketRecord } from '../runner/run-record';
import { parseCsv } from './csv';

/** One sample of a JMeter .jtl CSV (the columns Homeostat reads). */
export interface JtlSample {
  timeStamp: number;
  elapsed: number;
  label: string;
  responseCode: string;
  success: boolean;
  threadName: string;
}

const REQUIRED = ['timeStamp', 'elapsed', 'label', 'responseCode', 'success'] as const;

/**
 * Reads a JMeter 5.x CSV results file (the default `jmeter.save.saveservice` columns, header line
 * on). timeStamp is the sample's start in Unix ms, elapsed its duration in ms; success is "true" or
 * "false" after assertions (a response-time assertion that failed makes a slow answer a failure).
 */
export function parseJtl(text: string, source = 'jtl'): JtlSample[] {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new ChaosError('INVALID_JTL', `${source}: empty file`, { field: 'jtl' });
  const header = rows[0];
  const col = Object.fromEntries(header.map((h, i) => [h.trim(), i]));
  for (const k of REQUIRED) {
    if (col[k] === undefined) {
      throw new ChaosError('INVALID_JTL', `${source}: missing column ${k} (a JMeter CSV .jtl with a header line is expected)`, { field: k });
    }
  }
  return rows.slice(1).map((r, i) => {
    const line = i + 2;
    const timeStamp = Number(r[col.timeStamp]);
    const elapsed = Number(r[col.elapsed]);
    if (!Number.isFinite(timeStamp) || timeStamp <= 0) throw new ChaosError('INVALID_JTL', `${source}:${line}: timeStamp "${r[col.timeStamp]}" is not Unix ms`, { field: 'timeStamp' });
    if (!Number.isFinite(elapsed) || elapsed < 0) throw new ChaosError('INVALID_JTL', `${source}:${line}: elapsed "${r[col.elapsed]}" is not a duration in ms`, { field: 'elapsed' });
    const success = r[col.success]?.trim().toLowerCase();
    if (success !== 'true' && success !== 'false') throw new ChaosError('INVALID_JTL', `${source}:${line}: success "${r[col.success]}" is not true/false`, { field: 'success' });
    return {
      timeStamp,
      elapsed,
      label: r[col.label] ?? '',
      responseCode: r[col.responseCode] ?? '',
      success: success === 'true',
      threadName: col.threadName === undefined ? '' : (r[col.threadName] ?? ''),
    };
  });
}

export function readJtlFile(file: string): JtlSample[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ChaosError('INVALID_JTL', `cannot read ${file}: ${(e as Error).message}`, { field: 'jtl', cause: e });
  }
  return parseJtl(text, file);
}

/** Per-second buckets by the second each sample ended in (when the user got the answer). */
export function jtlBuckets(samples: readonly JtlSample[]): LoadBucketRecord[] {
  const by = new Map<number, { requests: number; errors: number; timeouts: number; lat: number[] }>();
  for (const s of samples) {
    const t = Math.floor((s.timeStamp + s.elapsed) / 1000) * 1000;
    let b = by.get(t);
    if (!b) by.set(t, (b = { requests: 0, errors: 0, timeouts: 0, lat: [] }));
    b.requests++;
    if (!s.success) b.errors++;
    if (/timed? ?out|SocketTimeout/i.test(s.responseCode)) b.timeouts++;
    b.lat.push(s.elapsed);
  }
  return [...by.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, b]) => ({
      t,
      requests: b.requests,
      errors: b.errors,
      timeouts: b.timeouts,
      p50Ms: percentile(b.lat, 50),
      p95Ms: percentile(b.lat, 95),
      p99Ms: percentile(b.lat, 99),
    }));
}

/** The load profile a plan ran, from its thread group names (normal / stress / spike). */
export function guessProfile(samples: readonly JtlSample[]): LoadProfileName | null {
  const names = samples.map((s) => `${s.threadName} ${s.label}`.toLowerCase());
  for (const p of ['spike', 'stress', 'normal'] as const) if (names.some((n) => n.includes(p))) return p;
  return null;
}
