import type { Span } from '@opentelemetry/api';
import pino from 'pino';
import { tracingFromEnv } from './tracing';

// W3C trace context through the SDK's propagator: a server span continues the caller's trace, and
// what it injects makes the next service's span its child. (Export over OTLP to a real receiver is
// test/tracing.test.ts: the SDK's exporter loads node:http with a dynamic import jest cannot run.)
const log = pino({ level: 'silent' });
const parentOf = (span: Span) =>
  (span as unknown as { parentSpanContext?: { traceId: string; spanId: string } }).parentSpanContext;

test("the callee's server span is a child of the caller's, in the client's trace", () => {
  const gateway = tracingFromEnv({}, 'gateway', log);
  const backend = tracingFromEnv({}, 'orders', log);
  const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const gwSpan = gateway.startServerSpan(
    { traceparent: `00-${clientTrace}-00f067aa0ba902b7-01` },
    Date.now(),
  );
  const forwarded: Record<string, string> = {};
  gateway.inject(gwSpan, forwarded);
  const { spanId: gwId } = gwSpan.spanContext();
  expect(forwarded.traceparent).toBe(`00-${clientTrace}-${gwId}-01`);
  const beSpan = backend.startServerSpan(forwarded, Date.now());
  expect(parentOf(gwSpan)).toMatchObject({ traceId: clientTrace, spanId: '00f067aa0ba902b7' });
  expect(beSpan.spanContext().traceId).toBe(clientTrace);
  expect(parentOf(beSpan)).toMatchObject({ traceId: clientTrace, spanId: gwId });
});

test.each([
  [{}],
  [{ traceparent: 'garbage' }],
  [{ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }], // all-zero ids are invalid
  [{ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01' }],
])('a request with %j starts a trace of its own', (headers) => {
  const span = tracingFromEnv({}, 'orders', log).startServerSpan(headers, Date.now());
  const { traceId, spanId } = span.spanContext();
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(traceId).not.toMatch(/^0+$|^4bf92f35/);
  expect(spanId).toMatch(/^[0-9a-f]{16}$/);
  expect(parentOf(span)).toBeUndefined();
});
