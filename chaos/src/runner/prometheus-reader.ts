import { ChaosError } from '../errors';

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, number | null][];
}

/** Reads Prometheus' HTTP API (instant and range queries); times in and out are Unix ms. */
export class PrometheusReader {
  constructor(readonly url: string) {}

  async instant(expr: string): Promise<number | null> {
    const body = await this.get(`/api/v1/query?query=${encodeURIComponent(expr)}`, expr);
    const r = body.result as { value: [number, string] }[];
    if (!r.length) return null;
    const v = Number(r[0].value[1]);
    return Number.isFinite(v) ? v : null;
  }

  async range(expr: string, fromMs: number, toMs: number, stepSeconds = 1): Promise<RangeSeries[]> {
    const q = `/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${fromMs / 1000}&end=${toMs / 1000}&step=${stepSeconds}`;
    const body = await this.get(q, expr);
    return (body.result as { metric: Record<string, string>; values: [number, string][] }[]).map((s) => ({
      metric: s.metric,
      values: s.values.map(([t, v]) => {
        const n = Number(v);
        return [Math.round(t * 1000), Number.isFinite(n) ? n : null] as [number, number | null];
      }),
    }));
  }

  /** One series over a regular 1 s grid: missing samples are null (so charts show gaps). */
  async rangeGrid(expr: string, fromMs: number, toMs: number): Promise<[number, number | null][]> {
    // whole-second bounds: Prometheus answers at start + k * step, which must land on the grid
    const s = await this.range(expr, Math.ceil(fromMs / 1000) * 1000, Math.floor(toMs / 1000) * 1000);
    const byT = new Map<number, number | null>();
    for (const series of s.slice(0, 1)) for (const [t, v] of series.values) byT.set(t, v);
    const start = Math.ceil(fromMs / 1000) * 1000;
    const out: [number, number | null][] = [];
    for (let t = start; t <= toMs; t += 1000) out.push([t, byT.get(t) ?? null]);
    return out;
  }

  private async get(path: string, expr: string): Promise<{ result: unknown[] }> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      throw new ChaosError('PROMETHEUS_QUERY_FAILED', `${expr}: ${(e as Error).message}`, { cause: e });
    }
    const body = (await res.json()) as { status: string; data?: { result: unknown[] }; error?: string };
    if (body.status !== 'success' || !body.data) {
      throw new ChaosError('PROMETHEUS_QUERY_FAILED', `${expr}: ${body.error ?? `HTTP ${res.status}`}`);
    }
    return body.data;
  }
}
