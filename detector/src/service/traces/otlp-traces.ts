import { z } from 'zod';
import type { SpanLink } from './trace-call-graph';

/**
 * The part of an OTLP/HTTP JSON trace export (ExportTraceServiceRequest) the call graph reads:
 * each resource's `service.name` and each span's trace, span and parent ids. Everything else
 * is accepted and ignored, as OTLP receivers must.
 */
const AnyValue = z.looseObject({ stringValue: z.string().optional() });
const KeyValue = z.looseObject({ key: z.string(), value: AnyValue.optional() });
const Span = z.looseObject({
  traceId: z.string().min(1),
  spanId: z.string().min(1),
  parentSpanId: z.string().optional(),
});
export const OtlpTraceExport = z.looseObject({
  resourceSpans: z
    .array(
      z.looseObject({
        resource: z.looseObject({ attributes: z.array(KeyValue).default([]) }).optional(),
        scopeSpans: z.array(z.looseObject({ spans: z.array(Span).default([]) })).default([]),
      }),
    )
    .default([]),
});
export type OtlpTraceExport = z.infer<typeof OtlpTraceExport>;

/**
 * Spans with the entity their service maps to: the first capture group of `servicePattern` applied
 * to `service.name` (e.g. `^shop-(.+)$` maps shop-orders to orders); a name it does not match is
 * not an entity and its spans are skipped.
 */
export function spanLinks(body: OtlpTraceExport, servicePattern: RegExp): SpanLink[] {
  const out: SpanLink[] = [];
  for (const rs of body.resourceSpans) {
    const name = rs.resource?.attributes.find((a) => a.key === 'service.name')?.value?.stringValue;
    const m = name === undefined ? null : servicePattern.exec(name);
    if (!m) continue;
    const service = m[1] ?? m[0];
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans)
        out.push({
          traceId: hexId(s.traceId),
          spanId: hexId(s.spanId),
          // OTLP/JSON writes "no parent" as an empty string
          parentSpanId: s.parentSpanId ? hexId(s.parentSpanId) : undefined,
          service,
        });
  }
  return out;
}

/**
 * OTLP/JSON ids are hex (the spec); some exporters write protobuf's JSON mapping, base64, instead.
 * Both become lowercase hex, so a parent and its child match whatever sent them.
 */
function hexId(id: string): string {
  if (/^[0-9a-fA-F]+$/.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(id) && (id.length === 24 || id.length === 12))
    return Buffer.from(id, 'base64').toString('hex');
  return id.toLowerCase();
}
