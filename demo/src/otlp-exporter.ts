import type { Logger } from 'pino';
import type { TraceContext } from './trace-context';

/** One finished span, in the terms of the OTLP trace data model. */
export interface FinishedSpan extends TraceContext {
  name: string;
  kind: 'server' | 'client';
  startMs: number;
  endMs: number;
  error: boolean;
  attributes: Record<string, string | number>;
}

export interface SpanSink {
  export(span: FinishedSpan): void;
  shutdown(): Promise<void>;
}

/** Used when no OTLP endpoint is configured (the default): spans cost nothing. */
export const noopSink: SpanSink = { export() {}, shutdown: async () => {} };

const KIND = { server: 2, client: 3 } as const;
const MAX_QUEUE = 2048;

/**
 * Exports spans over OTLP/HTTP with the JSON encoding (POST {endpoint}/v1/traces), batched every
 * `intervalMs`. Any OpenTelemetry Collector or Tempo accepts it; it keeps the demo free of the
 * OpenTelemetry SDK's weight. A full queue drops spans rather than growing memory.
 */
export class OtlpHttpExporter implements SpanSink {
  private queue: FinishedSpan[] = [];
  private readonly timer: NodeJS.Timeout;
  private dropped = 0;

  constructor(
    private readonly url: string,
    private readonly serviceName: string,
    private readonly log: Logger,
    intervalMs = 2000,
    private readonly headers: Record<string, string> = {},
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  export(span: FinishedSpan): void {
    if (this.queue.length >= MAX_QUEUE) {
      this.dropped++;
      return;
    }
    this.queue.push(span);
  }

  async flush(): Promise<void> {
    if (this.queue.length === 0) return;
    const spans = this.queue;
    this.queue = [];
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.headers },
        body: JSON.stringify(this.payload(spans)),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) this.log.warn({ status: res.status, spans: spans.length }, 'OTLP export rejected');
    } catch (e) {
      this.log.warn(
        { err: (e as Error).message, spans: spans.length, dropped: this.dropped },
        'OTLP export failed',
      );
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private payload(spans: FinishedSpan[]) {
    const attr = (key: string, v: string | number) =>
      typeof v === 'number'
        ? { key, value: Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } }
        : { key, value: { stringValue: v } };
    return {
      resourceSpans: [
        {
          resource: { attributes: [attr('service.name', this.serviceName)] },
          scopeSpans: [
            {
              scope: { name: '@homeostat/demo' },
              spans: spans.map((s) => ({
                traceId: s.traceId,
                spanId: s.spanId,
                ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
                name: s.name,
                kind: KIND[s.kind],
                startTimeUnixNano: `${BigInt(Math.round(s.startMs * 1e6))}`,
                endTimeUnixNano: `${BigInt(Math.round(s.endMs * 1e6))}`,
                attributes: Object.entries(s.attributes).map(([k, v]) => attr(k, v)),
                status: { code: s.error ? 2 : 1 },
              })),
            },
          ],
        },
      ],
    };
  }
}

/** The standard OTEL_* variables decide: no endpoint, no export. */
export function sinkFromEnv(env: NodeJS.ProcessEnv, service: string, log: Logger): SpanSink {
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!tracesUrl && !base) return noopSink;
  const url = tracesUrl ?? `${base!.replace(/\/+$/, '')}/v1/traces`;
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i > 0)
      headers[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
  }
  const name = env.OTEL_SERVICE_NAME ?? `homeostat-demo-${service}`;
  log.info({ url, serviceName: name }, 'exporting traces over OTLP/HTTP');
  return new OtlpHttpExporter(url, name, log, 2000, headers);
}
