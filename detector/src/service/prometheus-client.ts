import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { DetectorError } from '../errors';
import type { PrometheusConfig } from './config';
import { TlsTransport, type PlainResponse } from './tls-transport';

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
  /** Prometheus, Thanos and Mimir put non-fatal problems here (e.g. a partial response). */
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
});

/** Failure kinds of one attempt; metrics.ts keeps a zero series of each. */
export const QUERY_ERROR_KINDS = [
  'network',
  'timeout',
  'http_5xx',
  'http_429',
  'http_4xx',
  'bad_response',
] as const;
export type QueryErrorKind = (typeof QUERY_ERROR_KINDS)[number];

/** Options of one query: `warnings` collects what the query API returned beside the data. */
export interface QueryOptions {
  warnings?: string[];
}

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
    kind?: QueryErrorKind;
    durationSeconds: number;
    /** Warnings of a successful answer (partial response, dropped series...). */
    warnings?: number;
  }): void;
}

/** Why an attempt failed, and whether trying again can help. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly kind: QueryErrorKind,
    readonly retryable: boolean,
    readonly status?: number,
    /** From a Retry-After header (429, 503): wait at least this long before the next attempt. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Retry-After is either seconds or an HTTP date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** A secret read from a file, read again whenever the file changes (rotated tokens, projected volumes). */
class FileSecret {
  private stamp = '';
  private value = '';

  constructor(private readonly file: string) {}

  get(force = false): string {
    const st = statSync(this.file);
    const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (force || stamp !== this.stamp) {
      this.value = readFileSync(this.file, 'utf8').trim();
      this.stamp = stamp;
    }
    return this.value;
  }
}

/**
 * A small client for the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics): POSTs form
 * bodies so long PromQL never hits URL limits, bearer or basic auth (a `tokenFile`/`passwordFile`
 * is read again whenever it changes, and once more after a 401), and retries with exponential
 * backoff and full jitter on network errors, timeouts, 5xx and 429, waiting at least what a
 * Retry-After header asks (up to `retries.maxRetryAfterMs`); any other 4xx means the query is wrong
 * and is not retried. Thanos is asked not to return partial responses unless
 * `partialResponse: allow`; warnings of an answer reach the observer and the caller.
 */
export class PrometheusClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly secret: FileSecret | null = null;
  /** Set when `tls` options are given for an https URL; plain fetch otherwise. */
  private readonly tls: TlsTransport | null = null;

  constructor(
    private readonly cfg: PrometheusConfig,
    private readonly observe: RequestObserver = () => {},
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.base = cfg.url.replace(/\/+$/, '');
    this.headers = { ...cfg.headers, 'content-type': 'application/x-www-form-urlencoded' };
    const auth = cfg.auth;
    const file =
      auth?.type === 'bearer' ? auth.tokenFile : auth?.type === 'basic' ? auth.passwordFile : undefined;
    if (file !== undefined) {
      this.secret = new FileSecret(file);
      this.secret.get(); // fail at start-up on an unreadable file, as before
    }
    if (cfg.tls && this.base.startsWith('https:')) this.tls = new TlsTransport(cfg.tls);
  }

  /** The Authorization header, with a file-based secret as it is now. */
  private authorization(forceReread = false): string | undefined {
    const auth = this.cfg.auth;
    if (auth?.type === 'bearer') return `Bearer ${auth.token ?? this.secret?.get(forceReread) ?? ''}`;
    if (auth?.type === 'basic') {
      const pw = auth.password ?? this.secret?.get(forceReread) ?? '';
      return `Basic ${Buffer.from(`${auth.username}:${pw}`).toString('base64')}`;
    }
    return undefined;
  }

  get url(): string {
    return this.base;
  }

  /** Closes kept-alive TLS connections (the service's stop). */
  close(): void {
    this.tls?.close();
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
    opts: QueryOptions = {},
  ): Promise<RangeSeries[]> {
    if (endMs < startMs) return [];
    const stepMs = stepSeconds * 1000;
    const chunkSpanMs = (MAX_POINTS_PER_SERIES - 1) * stepMs;
    const byKey = new Map<string, RangeSeries>();
    for (let s = startMs; s <= endMs; s += chunkSpanMs + stepMs) {
      const e = Math.min(endMs, s + chunkSpanMs);
      const data = Matrix.safeParse(
        await this.call(
          '/api/v1/query_range',
          { query, start: (s / 1000).toFixed(3), end: (e / 1000).toFixed(3), step: String(stepSeconds) },
          this.cfg.retries.attempts,
          opts,
        ),
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
    opts: QueryOptions = {},
  ): Promise<unknown> {
    // Thanos: refuse an answer some stores did not contribute to, unless the config allows it.
    const body = new URLSearchParams({
      ...params,
      partial_response: this.cfg.partialResponse === 'allow' ? 'true' : 'false',
    }).toString();
    let last: AttemptError | undefined;
    let reread = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const started = performance.now();
      try {
        const { data, warnings } = await this.attempt(endpoint, body, reread);
        this.observe({
          endpoint,
          ok: true,
          durationSeconds: (performance.now() - started) / 1000,
          ...(warnings.length ? { warnings: warnings.length } : {}),
        });
        opts.warnings?.push(...warnings);
        return data;
      } catch (e) {
        last = e instanceof AttemptError ? e : new AttemptError(String(e), 'network', true);
        this.observe({
          endpoint,
          ok: false,
          kind: last.kind,
          durationSeconds: (performance.now() - started) / 1000,
        });
        // A 401 with a file-based secret: the file may have been rotated in place; read it once more.
        if (last.status === 401 && this.secret && !reread && attempt < attempts) {
          reread = true;
          continue;
        }
        if (!last.retryable || attempt === attempts) break;
        // Full jitter (AWS architecture blog): spreads retries of many detectors over the window;
        // a Retry-After (429 from Mimir or a query frontend, 503) is a floor on the wait.
        const cap = Math.min(this.cfg.retries.maxDelayMs, this.cfg.retries.baseDelayMs * 2 ** (attempt - 1));
        const floor = Math.min(last.retryAfterMs ?? 0, this.cfg.retries.maxRetryAfterMs);
        await this.sleep(Math.max(floor, Math.random() * cap));
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

  private async attempt(
    endpoint: string,
    body: string,
    rereadSecret: boolean,
  ): Promise<{ data: unknown; warnings: string[] }> {
    let res: PlainResponse;
    const authorization = this.authorization(rereadSecret);
    const headers = authorization ? { ...this.headers, authorization } : this.headers;
    const signal = AbortSignal.timeout(this.cfg.timeoutSeconds * 1000);
    try {
      if (this.tls) res = await this.tls.post(this.base + endpoint, headers, body, signal);
      else {
        const r = await fetch(this.base + endpoint, { method: 'POST', headers, body, signal });
        const text = await r.text().catch(() => '');
        res = { status: r.status, header: (n) => r.headers.get(n), text };
      }
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
    const text = res.text;
    let env: z.infer<typeof Envelope> | undefined;
    try {
      const parsed = Envelope.safeParse(JSON.parse(text));
      if (parsed.success) env = parsed.data;
    } catch {
      env = undefined;
    }
    const after = retryAfterMs(res.header('retry-after'));
    if (res.status >= 500)
      throw new AttemptError(
        `HTTP ${res.status}: ${env?.error ?? text.slice(0, 200)}`,
        'http_5xx',
        true,
        res.status,
        after,
      );
    if (res.status === 429)
      throw new AttemptError(
        `HTTP 429 (rate limited): ${env?.error ?? text.slice(0, 200)}`,
        'http_429',
        true,
        res.status,
        after,
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
    return { data: env.data, warnings: [...(env.warnings ?? []), ...(env.infos ?? [])] };
  }
}
