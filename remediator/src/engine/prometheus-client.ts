import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RemediatorError } from '../errors';

const QueryResponse = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.string(),
    result: z.array(
      z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
    ),
  }),
});

/** Instant queries against Prometheus' HTTP API; values come back as numbers (NaN kept). */
export class PrometheusClient {
  constructor(private readonly baseUrl: string) {}

  async query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const res = await fetch(
      `${this.baseUrl.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(expr)}`,
      {
        signal: AbortSignal.timeout(10_000),
      },
    );
    const body: unknown = await res.json();
    const parsed = QueryResponse.safeParse(body);
    if (!parsed.success)
      throw new RemediatorError('ACTUATOR_FAILED', `prometheus query failed (${res.status}): ${expr}`);
    return parsed.data.data.result.map((r) => ({ metric: r.metric, value: sampleValue(r.value[1]) }));
  }

  /**
   * The alerts Prometheus' rules hold now (pending and firing), with their annotations as of the last
   * rule evaluation: fresher than Alertmanager's copy, which Prometheus re-sends only every
   * `--rules.alert.resend-delay` (1 m by default) while nothing but an annotation changed.
   */
  async alerts(
    signal?: AbortSignal,
  ): Promise<{ labels: Record<string, string>; annotations: Record<string, string>; state: string }[]> {
    const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}/api/v1/alerts`, {
      signal: signal ?? AbortSignal.timeout(10_000),
    });
    const parsed = AlertsResponse.safeParse(await res.json());
    if (!parsed.success)
      throw new RemediatorError('ACTUATOR_FAILED', `prometheus alerts not readable (${res.status})`);
    return parsed.data.data.alerts;
  }

  /**
   * The names of Prometheus' `global.external_labels`: alerts carry them on their way to
   * Alertmanager, the local `ALERTS` series does not, so a matcher built from webhook labels must
   * drop them.
   */
  async externalLabelNames(): Promise<string[]> {
    const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}/api/v1/status/config`, {
      signal: AbortSignal.timeout(10_000),
    });
    const parsed = ConfigResponse.safeParse(await res.json());
    if (!parsed.success)
      throw new RemediatorError('ACTUATOR_FAILED', `prometheus config not readable (${res.status})`);
    const cfg = parseYaml(parsed.data.data.yaml) as { global?: { external_labels?: Record<string, string> } };
    return Object.keys(cfg?.global?.external_labels ?? {});
  }
}

const AlertsResponse = z.object({
  status: z.literal('success'),
  data: z.object({
    alerts: z.array(
      z.object({
        labels: z.record(z.string(), z.string()),
        annotations: z.record(z.string(), z.string()).default({}),
        state: z.string(),
      }),
    ),
  }),
});

const ConfigResponse = z.object({ status: z.literal('success'), data: z.object({ yaml: z.string() }) });

/**
 * A sample's value: Prometheus writes infinities as "+Inf"/"-Inf", which Number() reads as NaN, so
 * a ratio that divides by zero (every request failed) read as "no value" instead of the largest.
 */
function sampleValue(v: string): number {
  return v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
}

/** A PromQL label matcher value, quoted and escaped. */
export function promString(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
