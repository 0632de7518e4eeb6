import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { makeTempDir } from '@homeostat/testkit';
import { parseConfig } from '../config';
import { DetectorService } from '../detector-service';

/** OTLP/HTTP JSON as the OpenTelemetry SDK's exporter sends it: one resource (service) per export. */
function exportOf(service: string, spans: { traceId: string; spanId: string; parentSpanId?: string }[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'demo' }, spans: spans.map((s) => ({ name: 'x', kind: 2, ...s })) }],
      },
    ],
  };
}

// what the fleet's exporters send (OTEL_EXPORTER_OTLP_HEADERS), and what the Grafana datasource sends
const TRACE_TOKEN = 'trace-token-for-tests';
const READER_TOKEN = 'reader-token-for-tests';
const readGraph = async (url: string) =>
  (await (
    await fetch(`${url}/api/v1/call-graph`, { headers: { authorization: `Bearer ${READER_TOKEN}` } })
  ).json()) as {
    traced: { caller: string; callee: string }[];
    declared: { detector: string; caller: string; callee: string }[];
  };

describe("POST /v1/traces: the call graph from the fleet's traces", () => {
  let service: DetectorService;
  let url: string;
  beforeAll(async () => {
    service = new DetectorService(
      parseConfig({
        // Nothing listens there: this test is about the HTTP edge, not scoring.
        prometheus: { url: 'http://127.0.0.1:9', timeoutSeconds: 1, retries: { attempts: 1 } },
        server: { port: 0 },
        dataDir: makeTempDir('traces-route'),
        traces: { enabled: true, servicePattern: '^shop-(.+)$' },
        auth: { traceTokens: [{ value: TRACE_TOKEN }], readerTokens: [{ value: READER_TOKEN }] },
        detectors: [
          {
            name: 'shop',
            groupBy: ['service'],
            queries: { cpu: 'x' },
            rootCause: { dependencies: { gateway: ['payments'] } },
          },
        ],
      }),
      { logger: pino({ level: 'silent' }) },
    );
    url = await service.start();
  });
  afterAll(() => service.stop());

  const post = (body: unknown, type = 'application/json') =>
    fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': type, authorization: `Bearer ${TRACE_TOKEN}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('learns caller -> callee from a parent span in another service, whichever export arrives first', async () => {
    // The backend's export arrives before the gateway's: its server span's parent is not known yet.
    expect(
      (await post(exportOf('shop-orders', [{ traceId: 't1', spanId: 'b', parentSpanId: 'a' }]))).status,
    ).toBe(200);
    const r = await post(exportOf('shop-gateway', [{ traceId: 't1', spanId: 'a', parentSpanId: '' }]));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({});
    // A span of a service the pattern does not map is not an entity; spans inside one service are no edge.
    await post(exportOf('postgres', [{ traceId: 't1', spanId: 'c', parentSpanId: 'b' }]));
    await post(exportOf('shop-orders', [{ traceId: 't1', spanId: 'd', parentSpanId: 'b' }]));
    const graph = await readGraph(url);
    expect(graph.traced).toEqual([{ caller: 'gateway', callee: 'orders' }]);
    expect(graph.declared).toEqual([{ detector: 'shop', caller: 'gateway', callee: 'payments' }]);
  });

  it('accepts gzip (the Collector default) and base64 ids (protobuf JSON mapping) as hex ones', async () => {
    const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
    const trace = '0af7651916cd43dd8448eb211c80319c';
    const child = exportOf('shop-search', [
      { traceId: b64(trace), spanId: b64('b7ad6b7169203331'), parentSpanId: b64('00f067aa0ba902b7') },
    ]);
    const r = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: `Bearer ${TRACE_TOKEN}`,
      },
      body: gzipSync(JSON.stringify(child)),
    });
    expect(r.status).toBe(200);
    await post(exportOf('shop-gateway', [{ traceId: trace.toUpperCase(), spanId: '00F067AA0BA902B7' }]));
    const graph = await readGraph(url);
    expect(graph.traced).toContainEqual({ caller: 'gateway', callee: 'search' });
  });

  it('refuses protobuf with 415 naming what to send, and a malformed export with 400 naming the field', async () => {
    const pb = await post('\u0000\u0001', 'application/x-protobuf');
    expect(pb.status).toBe(415);
    expect(await pb.json()).toMatchObject({
      field: 'content-type',
      message: expect.stringMatching(/http\/json/),
    });
    const bad = await post({ resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 'x' }] }] }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'resourceSpans.0.scopeSpans.0.spans.0.traceId',
    });
  });
});

describe('POST /v1/traces with the default config', () => {
  it('is closed (401 naming authorization), and off (404 naming traces.enabled) even with a trace token', async () => {
    const service = new DetectorService(
      parseConfig({
        prometheus: { url: 'http://127.0.0.1:9', timeoutSeconds: 1, retries: { attempts: 1 } },
        server: { port: 0 },
        dataDir: makeTempDir('traces-off'),
        auth: { traceTokens: [{ value: TRACE_TOKEN }] },
        detectors: [{ name: 'shop', groupBy: ['service'], queries: { cpu: 'x' } }],
      }),
      { logger: pino({ level: 'silent' }) },
    );
    const url = await service.start();
    const post = (headers: Record<string, string>) =>
      fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(exportOf('a', [{ traceId: 't', spanId: 's' }])),
      });
    try {
      const anonymous = await post({});
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHORIZED', field: 'authorization' });
      const r = await post({ authorization: `Bearer ${TRACE_TOKEN}` });
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ field: 'traces.enabled' });
    } finally {
      await service.stop();
    }
  });
});
