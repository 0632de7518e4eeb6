import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { waitFor } from '@homeostat/testkit';
import { startService, type NodeService } from './helpers';

// Traces go out over OTLP/HTTP (JSON, the OpenTelemetry SDK's exporter) only when
// OTEL_EXPORTER_OTLP_ENDPOINT is set; a request through the gateway yields a gateway span and a child
// backend span in the client's trace, received here by a real HTTP server on loopback.
jest.setTimeout(60_000);

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number };
  // OTLP/JSON allows an int64 as a string or a number
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>;
}
const received: Array<{ service: string; span: OtlpSpan }> = [];
let collector: Server;
let backend: NodeService;
let gateway: NodeService;
let quiet: NodeService;

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type'] === 'application/json') {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          resourceSpans: Array<{
            resource: { attributes: OtlpSpan['attributes'] };
            scopeSpans: Array<{ spans: OtlpSpan[] }>;
          }>;
        };
        for (const rs of body.resourceSpans) {
          const service =
            rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans) for (const span of ss.spans) received.push({ service, span });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(collector.address() as { port: number }).port}`;
  backend = await startService('backend', ['--service', 'payments'], {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  });
  gateway = await startService('gateway', ['--upstream', `payments=${backend.url}`], {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  });
  quiet = await startService('backend', ['--service', 'payments']);
});

afterAll(async () => {
  await Promise.all([gateway, backend, quiet].map((s) => s?.stop({ removeDir: true })));
  await new Promise((r) => collector?.close(r));
});

test('a request through the gateway produces a linked gateway span and backend span', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const clientSpan = '00f067aa0ba902b7';
  const res = await fetch(`${gateway.url}/api/payments`, {
    method: 'POST',
    headers: { traceparent: `00-${traceId}-${clientSpan}-01` },
  });
  expect(res.status).toBe(201);
  const spans = await waitFor(
    'both spans exported',
    () => {
      const mine = received.filter((r) => r.span.traceId === traceId);
      return mine.length >= 2 ? mine : undefined;
    },
    { timeoutMs: 15_000 },
  );
  const gw = spans.find((s) => s.service === 'homeostat-demo-gateway')!;
  const be = spans.find((s) => s.service === 'homeostat-demo-payments')!;
  expect(gw.span).toMatchObject({ parentSpanId: clientSpan, name: 'POST /api/payments' });
  expect(be.span).toMatchObject({ parentSpanId: gw.span.spanId, name: 'POST /api/payments' });
  expect(gw.span.traceId).toBe(traceId);
  expect(be.span.traceId).toBe(traceId);
  expect(be.span.kind).toBe(2); // SPAN_KIND_SERVER
  const status = be.span.attributes.find((a) => a.key === 'http.response.status_code')?.value.intValue;
  expect(Number(status)).toBe(201);
});

test('without an OTLP endpoint nothing is exported', async () => {
  const traceId = '11112222333344445555666677778888';
  await fetch(`${quiet.url}/api/payments/1`, {
    headers: { traceparent: `00-${traceId}-1111222233334444-01` },
  });
  await fetch(`${backend.url}/api/payments/1`); // the exporting backend keeps exporting meanwhile
  await waitFor(
    'exporting backend flushed',
    () => received.some((r) => r.span.name === 'GET /api/payments/:id'),
    { timeoutMs: 15_000 },
  );
  expect(received.filter((r) => r.span.traceId === traceId)).toEqual([]);
  expect(readFileSync(quiet.logFile, 'utf8')).not.toContain('exporting traces');
  expect(readFileSync(backend.logFile, 'utf8')).toContain('exporting traces');
});
