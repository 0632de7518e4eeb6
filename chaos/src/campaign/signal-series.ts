import type { SignalPoint } from '../metrics/detection-intervals';
import type { PrometheusReader } from '../runner/prometheus-reader';

/**
 * Steps the signals are read at. A detection counts from the first step at or after the sample
 * that shows it: read at 1 s steps, a score Prometheus scraped at t + 0.1 s counted at t + 1, and a
 * campaign reported up to a second of its own rounding as detection time. At 0.1 s the rounding is
 * at most 0.1 s; the series keep Prometheus' own semantics (each sample holds until the next one,
 * a series gone stale is a gap).
 */
export const SIGNAL_STEP_MS = 100;

/** Prometheus answers at most 11,000 points per series: the steps are read in chunks of this many. */
const CHUNK_STEPS = 10_000;

/**
 * `expr` (aggregated `by (service)`) over [from, to] as one flag per step and service: true when
 * the value is above `threshold`. A series that vanished (a restart, a replica gone) is a gap (null),
 * never an error; a failing chunk is reported and left as gaps.
 */
export async function signalByService(
  prom: PrometheusReader,
  expr: string,
  from: number,
  to: number,
  threshold: number,
  errors: string[],
  stepMs = SIGNAL_STEP_MS,
): Promise<Record<string, SignalPoint[]>> {
  const out: Record<string, Map<number, boolean>> = {};
  const first = Math.ceil(from / stepMs) * stepMs;
  for (let a = first; a <= to; a += CHUNK_STEPS * stepMs) {
    const b = Math.min(to, a + (CHUNK_STEPS - 1) * stepMs);
    try {
      for (const s of await prom.range(expr, a, b, stepMs / 1000)) {
        const svc = s.metric.service ?? '';
        const m = (out[svc] ??= new Map());
        for (const [t, v] of s.values) if (v !== null) m.set(t, (m.get(t) ?? false) || v > threshold);
      }
    } catch (e) {
      errors.push(`${expr}: ${(e as Error).message}`);
    }
  }
  const grid: Record<string, SignalPoint[]> = {};
  for (const [svc, m] of Object.entries(out)) {
    const pts: SignalPoint[] = [];
    for (let t = first; t <= to; t += stepMs) pts.push({ t, anomalous: m.has(t) ? m.get(t)! : null });
    grid[svc] = pts;
  }
  return grid;
}

/** Joins two per-service signals: anomalous when either is. */
export function eitherSignal(
  a: Record<string, SignalPoint[]>,
  b: Record<string, SignalPoint[]>,
): Record<string, SignalPoint[]> {
  const out: Record<string, SignalPoint[]> = {};
  for (const svc of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const by = new Map<number, boolean | null>();
    for (const p of [...(a[svc] ?? []), ...(b[svc] ?? [])]) {
      const cur = by.get(p.t) ?? null;
      by.set(p.t, p.anomalous === null ? cur : (cur ?? false) || p.anomalous);
    }
    out[svc] = [...by.entries()].sort(([x], [y]) => x - y).map(([t, anomalous]) => ({ t, anomalous }));
  }
  return out;
}
