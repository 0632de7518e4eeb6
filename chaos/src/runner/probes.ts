import type { Probe, Tolerance } from '../experiment/experiment-schema';
import type { LoadRecorder } from '../load/load-recorder';
import type { PrometheusReader } from './prometheus-reader';
import type { ProbeResult } from './run-record';

export function withinTolerance(value: number | null, t: Tolerance): boolean {
  if (value === null) return false;
  return (t.min === undefined || value >= t.min) && (t.max === undefined || value <= t.max);
}

/** A load probe's value over its window; null when there was no traffic in it. */
export function loadProbeValue(p: Extract<Probe, { source: 'load' }>, recorder: LoadRecorder, at?: number): number | null {
  const w = recorder.window(p.windowSeconds, at);
  switch (p.metric) {
    case 'error_ratio':
      return w.errorRatio;
    case 'availability':
      return w.errorRatio === null ? null : 1 - w.errorRatio;
    case 'latency_p95_ms':
      return w.p95Ms;
    case 'latency_p99_ms':
      return w.p99Ms;
  }
}

export async function evaluateProbes(
  probes: readonly Probe[],
  recorder: LoadRecorder,
  prom: PrometheusReader,
  service: string,
): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (const p of probes) {
    let value: number | null;
    if (p.source === 'load') value = loadProbeValue(p, recorder);
    else value = await prom.instant(p.query.replaceAll('$service', service)).catch(() => null);
    out.push({ name: p.name, value, ok: withinTolerance(value, p.tolerance) });
  }
  return out;
}

/** Healthy at `at` when every load probe holds (the per-second user-visible steady state). */
export function healthyAt(probes: readonly Probe[], recorder: LoadRecorder, at: number): boolean {
  return probes
    .filter((p): p is Extract<Probe, { source: 'load' }> => p.source === 'load')
    .every((p) => withinTolerance(loadProbeValue(p, recorder, at), p.tolerance));
}

/**
 * The probes as they apply after the steady-state check: a `baselineFactor` raises a probe's max
 * to that multiple of its measured baseline (never lowers it).
 */
export function adjustToBaseline(probes: readonly Probe[], before: readonly ProbeResult[]): Probe[] {
  return probes.map((p) => {
    const f = p.tolerance.baselineFactor;
    const measured = before.find((b) => b.name === p.name)?.value ?? null;
    if (f === undefined || p.tolerance.max === undefined || measured === null) return p;
    return { ...p, tolerance: { ...p.tolerance, max: Math.max(p.tolerance.max, f * measured) } };
  });
}
