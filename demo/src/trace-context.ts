import { randomBytes } from 'node:crypto';

/** W3C trace context (traceparent header), so a trace id follows a request gateway -> backend. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

export function newId(bytes: 8 | 16): string {
  return randomBytes(bytes).toString('hex');
}

/** Continues the caller's trace when the header is valid, otherwise starts a new one. */
export function childContext(traceparent: string | string[] | undefined): TraceContext {
  const header = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  const m = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (m && !/^0+$/.test(m[1]) && !/^0+$/.test(m[2]))
    return { traceId: m[1], spanId: newId(8), parentSpanId: m[2] };
  return { traceId: newId(16), spanId: newId(8) };
}

export function traceparentOf(ctx: Pick<TraceContext, 'traceId' | 'spanId'>): string {
  return `00-${ctx.traceId}-${ctx.spanId}-01`;
}
