import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DetectorError } from '../errors';
import type { PrometheusConfig } from './config';

/** Prometheus rejects a query_range with more than 11,000 points per series (web/api/v1/api.go). */
export const MAX_POINTS_PER_SERIES = 11_000;

/** One series of a range query, with seconds turned into ms and sample strings into numbers. */
export interface RangeSeries {
  labels: Record<string, string>;
  /** Unix ms, ascending. */
  timestamps: number[];
  /** NaN and ±Inf arrive as such; callers decide what a non-finite sample means. */
  values: number[];
}

const Envelope = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

const Matrix = z.object({
  resultType: z.literal('matrix'),
  result: z.array(
    z.object({
      metric: z.record(z.string(), z.string()),
      values: z.array(z.tuple([z.number(), z.string()])).default([]),
    }),
  ),
});

export interface RequestObserver {
  /** Called once per HTTP attempt, with the outcome, so metrics.ts can count errors by kind. */
  (outcome: {
    endpoint: string;
    ok: boolean;
    kind?: 'network' | 'timeout' | 'http_5xx' | 'http_4xx' | 'bad_response';
    durationSeconds: number;
  }): void;
}

/** Why an attempt failed, and whether trying again can help. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly kind: 'network' | 'timeout' | 'http_5xx' | 'http_4xx' | 'bad_response',
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * A small client for the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics): POSTs form
 * bodies so long PromQL never hits URL limits, bearer or basic auth, and retries with exponential
 * backoff and full jitter on network errors, timeouts and 5xx (4xx means the query is wrong, so
 * it is not retried).
 */
export class PrometheusClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly cfg: PrometheusConfig,
    private readonly observe: RequestObserver = () => {},
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.base = cfg.url.replace(/\/+$/, '');
    this.headers = { ...cfg.headers, 'content-type': 'application/x-www-form-urlencoded' };
    const auth = cfg.auth;
    if (auth?.type === 'bearer') {
      const token = auth.token ?? readFileSync(auth.tokenFile ?? '', 'utf8').trim();
      this.headers.authorization = `Bearer ${token}`;
    } else if (auth?.type === 'basic') {
      const pw = auth.password ?? readFileSync(auth.passwordFile ?? '', 'utf8').trim();
      this.headers.authorization = `Basic ${Buffer.from(`${auth.username}:${pw}`).toString('base64')}`;
    }
  }

  get url(): string {
    return this.base;
  }

  /** True when the query API evaluates a trivial expression; used by /readyz. */
  async ping(): Promise<boolean> {
    try {
      await this.call('/api/v1/query', { query: '1' }, 1);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Range query over [startMs, endMs] at `stepSeconds`, split into chunks of at most 11,000 points
   * and merged, so any range works. Timestamps are evaluated on the grid start + k*step.
   */
  async queryRange(
    query: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
  ): Promise<RangeSeries[]> {
    if (endMs < startMs) return [];
    const stepMs = stepSeconds * 1000;
    const chunkSpanMs = (MAX_POINTS_PER_SERIES - 1) * stepMs;
    const byKey = new Map<string, RangeSeries>();
    for (let s = startMs; s <= endMs; s += chunkSpanMs + stepMs) {
      const e = Math.min(endMs, s + chunkSpanMs);
      const data = Matrix.safeParse(
        await this.call('/api/v1/query_range', {
          query,
          start: (s / 1000).toFixed(3),
          end: (e / 1000).toFixed(3),
          step: String(stepSeconds),
        }),
      );
      if (!data.success)
        throw new DetectorError('UPSTREAM_ERROR', `query_range did not return a matrix for ${query}`);
      for (const r of data.data.result) {
        const key = JSON.stringify(Object.entries(r.metric).sort(([a], [b]) => (a < b ? -1 : 1)));
        let series = byKey.get(key);
        if (!series) byKey.set(key, (series = { labels: r.metric, timestamps: [], values: [] }));
        for (const [t, v] of r.values) {
          series.timestamps.push(Math.round(t * 1000));
          series.values.push(Number(v));
        }
      }
    }
    return [...byKey.values()];
  }

  private async call(
    endpoint: string,
    params: Record<string, string>,
    attempts = this.cfg.retries.attempts,
  ): Promise<unknown> {
    const body = new URLSearchParams(params).toString();
    let last: AttemptError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const started = performance.now();
      try {
        const data = await this.attempt(endpoint, body);
        this.observe({ endpoint, ok: true, durationSeconds: (performance.now() - started) / 1000 });
        return data;
      } catch (e) {
        last = e instanceof AttemptError ? e : new AttemptError(String(e), 'network', true);
        this.observe({
          endpoint,
          ok: false,
          kind: last.kind,
          durationSeconds: (performance.now() - started) / 1000,
        });
        if (!last.retryable || attempt === attempts) break;
        // Full jitter (AWS architecture blog): spreads retries of many detectors over the window.
        const cap = Math.min(this.cfg.retries.maxDelayMs, this.cfg.retries.baseDelayMs * 2 ** (attempt - 1));
        await this.sleep(Math.random() * cap);
      }
    }
    const status = last?.kind === 'http_4xx' ? 400 : 503;
    throw new DetectorError(
      last?.kind === 'http_4xx' ? 'INVALID_QUERY' : 'UPSTREAM_ERROR',
      `${endpoint}: ${last?.message ?? 'failed'}`,
      {
        statusCode: status,
        cause: last,
      },
    );
  }

  private async attempt(endpoint: string, body: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.base + endpoint, {
        method: 'POST',
        headers: this.headers,
        body,
        signal: AbortSignal.timeout(this.cfg.timeoutSeconds * 1000),
      });
    } catch (e) {
      const err = e as Error;
      const timeout = err.name === 'TimeoutError' || err.name === 'AbortError';
      const why = err.cause instanceof Error ? err.cause.message : err.message;
      throw new AttemptError(
        `${timeout ? 'timed out' : 'unreachable'}: ${why}`,
        timeout ? 'timeout' : 'network',
        true,
      );
    }
    const text = await res.text().catch(() => '');
    let env: z.infer<typeof Envelope> | undefined;
    try {
      const parsed = Envelope.safeParse(JSON.parse(text));
      if (parsed.success) env = parsed.data;
    } catch {
      env = undefined;
    }
    if (res.status >= 500)
      throw new AttemptError(
        `HTTP ${res.status}: ${env?.error ?? text.slice(0, 200)}`,
        'http_5xx',
        true,
        res.status,
      );
    if (res.status >= 400) {
      throw new AttemptError(
        `HTTP ${res.status}: ${env?.error ?? text.slice(0, 200)}`,
        'http_4xx',
        false,
        res.status,
      );
    }
    if (!env)
      throw new AttemptError(
        `HTTP ${res.status}: not a Prometheus API response`,
        'bad_response',
        true,
        res.status,
      );
    if (env.status !== 'success')
      throw new AttemptError(env.error ?? 'query failed', 'http_4xx', false, res.status);
    return env.data;
  }
}
