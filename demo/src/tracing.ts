import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';

/** How the request ended, written onto its server span. */
export interface SpanOutcome {
  name: string;
  attributes: Record<string, string | number>;
  error: boolean;
  endMs: number;
}

/**
 * The demo's tracing, through the OpenTelemetry SDK: one server span per request, continuing the
 * caller's W3C trace context, and the context the gateway passes on to the backend it calls.
 * Spans are always created (their ids go into log lines and exemplars); they are exported only
 * when an OTLP endpoint is configured.
 */
export class Tracing {
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(
    private readonly provider: BasicTracerProvider,
    private readonly tracer: Tracer = provider.getTracer('@homeostat/demo'),
  ) {}

  /** A server span for a request, the child of the span its `traceparent` header names (if valid). */
  startServerSpan(headers: Record<string, string | string[] | undefined>, startMs: number): Span {
    const parent = this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return this.tracer.startSpan('request', { kind: SpanKind.SERVER, startTime: startMs }, parent);
  }

  /** Writes `traceparent` (and `tracestate`) so the callee's span becomes a child of `span`. */
  inject(span: Span, headers: Record<string, string | string[] | undefined>): void {
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  }

  end(span: Span, o: SpanOutcome): void {
    span.updateName(o.name);
    span.setAttributes(o.attributes);
    span.setStatus({ code: o.error ? SpanStatusCode.ERROR : SpanStatusCode.OK });
    span.end(o.endMs);
  }

  /** Exports what is still queued. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** Batches like the SDK's defaults but every 2 s, and drops spans beyond 2048 queued rather than growing. */
const BATCH = { scheduledDelayMillis: 2000, maxQueueSize: 2048 };

/**
 * The standard OTEL_* variables decide: with OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set, spans go over OTLP/HTTP (JSON) to it, with
 * OTEL_EXPORTER_OTLP_HEADERS, read by the SDK's exporter itself; service name OTEL_SERVICE_NAME or
 * `homeostat-demo-<service>`. No endpoint, no export.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv, service: string, log: Logger): Tracing {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const serviceName = env.OTEL_SERVICE_NAME ?? `homeostat-demo-${service}`;
  const spanProcessors: SpanProcessor[] = [];
  if (endpoint) {
    // the SDK reports failed exports through its diag logger: into this service's JSON log
    const warn = (message: string, ...args: unknown[]) => log.warn({ otel: args }, message);
    diag.setLogger(
      { error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter(), BATCH));
    log.info({ endpoint, serviceName }, 'exporting traces over OTLP/HTTP');
  }
  return new Tracing(
    new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName }),
      spanProcessors,
    }),
  );
}
