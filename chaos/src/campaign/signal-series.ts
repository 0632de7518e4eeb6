import type { SignalPoint } from '../metrics/detection-intervals';
import type { PrometheusReader } from '../runner/prometheus-reader';

/** Prometheus answers at most 11,000 points per series: 1 s steps are read in chunks of this. */
const CHUNK_MS = 3_000_000;

/**
 * `expr` (aggregated `by (service)`) over [from, to] as one flag per second and service: true when
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
): Promise<Record<string, SignalPoint[]>> {
  const out: Record<string, Map<number, boolean>> = {};
  for (let a = Math.ceil(from / 1000) * 1000; a <= to; a += CHUNK_MS) {
    const b = Math.min(to, a + CHUNK_MS - 1000);
    try {
      for (const s of await prom.range(expr, a, b)) {
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
    for (let t = Math.ceil(from / 1000) * 1000; t <= to; t += 1000) pts.push({ t, anomalous: m.has(t) ? m.get(t)! : null });
    grid[svc] = pts;
  }
  return grid;
}

/** Joins two per-service signals: anomalous when either is. */
export function eitherSignal(a: Record<string, SignalPoint[]>, b: Record<string, SignalPoint[]>): Record<string, SignalPoint[]> {
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
