import pino from 'pino';
import {
  makeTempDir,
  openApiOperations as operations,
  startPrometheus,
  type OpenApiOperation as Operation,
  type PrometheusDaemon,
} from '@homeostat/testkit';
import { parseConfig } from '../src/service/config';
import { DetectorService } from '../src/service/detector-service';

/**
 * The detector's REST API as someone who can reach its port sees it: with the default auth (no
 * anonymous reads), only /metrics, /healthz, /readyz and /openapi.json answer without a
 * credential; the Grafana datasource's reader token reads and cannot post spans, the fleet's trace
 * token posts spans and cannot read. A real Prometheus answers the replay and /readyz.
 */
jest.setTimeout(60_000);

const READER = 'reader-token-0123456789';
const TRACER = 'trace-token-0123456789';
const OPEN = ['/metrics', '/healthz', '/readyz', '/openapi.json'];
const asReader = { authorization: `Bearer ${READER}` };
const asTracer = { authorization: `Bearer ${TRACER}` };

let prom: PrometheusDaemon;
beforeAll(async () => {
  prom = await startPrometheus();
});
afterAll(() => prom?.stop({ removeDir: true }));

async function startDetector(
  auth: Record<string, unknown>,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const service = new DetectorService(
    parseConfig({
      prometheus: { url: prom.url, timeoutSeconds: 2, retries: { attempts: 1 } },
      server: { port: 0 },
      dataDir: makeTempDir('detector-access'),
      traces: { enabled: true },
      auth,
      detectors: [{ name: 'fleet', groupBy: ['service'], queries: { up: 'up' } }],
    }),
    { logger: pino({ level: 'silent' }) },
  );
  return { url: await service.start(), stop: () => service.stop() };
}

/** A valid request for each operation, so a 2xx is possible once the credential is right. */
function call(url: string, op: Operation, headers: Record<string, string> = {}): Promise<Response> {
  const now = Date.now();
  const query = op.path === '/api/v1/events' ? `?from=${now - 60_000}&to=${now}` : '';
  const body =
    op.path === '/api/v1/score'
      ? { query: 'vector(1)', from: now - 60_000, to: now, stepSeconds: 5 }
      : op.path === '/v1/traces'
        ? { resourceSpans: [] }
        : undefined;
  return fetch(`${url}${op.path}${query}`, {
    method: op.method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('access control with the default auth (reader and trace sender tokens, no anonymous reads)', () => {
  let d: { url: string; stop: () => Promise<void> };
  beforeAll(async () => {
    d = await startDetector({ readerTokens: [{ value: READER }], traceTokens: [{ value: TRACER }] });
  });
  afterAll(() => d.stop());

  it('answers 2xx without a credential only on /metrics, /healthz, /readyz and /openapi.json', async () => {
    const ops = await operations(d.url);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/detectors',
        'POST /api/v1/score',
        'POST /v1/traces',
        ...OPEN.map((p) => `GET ${p}`),
      ]),
    );
    for (const op of ops) {
      const res = await call(d.url, op);
      if (OPEN.includes(op.path)) {
        expect([op.path, res.status]).toEqual([op.path, 200]);
        expect(op.security).toEqual([]);
      } else {
        expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 401]);
        expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', field: 'authorization' });
        // the document marks every secured operation
        expect([op.path, op.security.length]).toEqual([op.path, 1]);
      }
    }
  });

  it("fastify's HEAD twin of a read is as closed as the GET", async () => {
    expect((await fetch(`${d.url}/api/v1/events`, { method: 'HEAD' })).status).toBe(401);
    expect((await fetch(`${d.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
  });

  it('refuses an unknown token, and a token sent under another scheme, with 401', async () => {
    for (const authorization of [
      'Bearer not-a-token',
      `Bearer ${READER}x`,
      `Basic ${Buffer.from(READER).toString('base64')}`,
      `Token ${READER}`,
    ]) {
      const res = await fetch(`${d.url}/api/v1/detectors`, { headers: { authorization } });
      expect([authorization, res.status]).toEqual([authorization, 401]);
    }
  });

  it("the reader token (the Grafana datasource's) reads everything and cannot post spans", async () => {
    for (const op of (await operations(d.url)).filter((o) => !OPEN.includes(o.path))) {
      const res = await call(d.url, op, asReader);
      if (op.access === 'read') expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 200]);
      else {
        expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 403]);
        expect(await res.json()).toMatchObject({ code: 'FORBIDDEN', field: 'authorization' });
      }
    }
  });

  it("the fleet's trace token posts spans and reads nothing", async () => {
    for (const op of (await operations(d.url)).filter((o) => !OPEN.includes(o.path))) {
      const res = await call(d.url, op, asTracer);
      if (op.access === 'traces') expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 200]);
      else expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 403]);
    }
  });

  it('checks the credential before the body: an unauthenticated protobuf export is a 401, not a 415', async () => {
    const res = await fetch(`${d.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from([1, 2, 3]),
    });
    expect(res.status).toBe(401);
  });
});

describe('anonymousReads: true (a local demo)', () => {
  it('answers reads without a credential, and still refuses spans without the trace token', async () => {
    const d = await startDetector({ traceTokens: [{ value: TRACER }], anonymousReads: true });
    try {
      const ops = await operations(d.url);
      for (const op of ops.filter((o) => o.access === 'read'))
        expect([op.path, (await call(d.url, op)).status]).toEqual([op.path, 200]);
      const traces = ops.find((o) => o.path === '/v1/traces')!;
      expect((await call(d.url, traces)).status).toBe(401);
      expect((await call(d.url, traces, asTracer)).status).toBe(200);
    } finally {
      await d.stop();
    }
  });
});

describe('no reader token configured', () => {
  it('refuses every read (401) while the scores stay at /metrics', async () => {
    const d = await startDetector({ traceTokens: [{ value: TRACER }] });
    try {
      expect((await fetch(`${d.url}/api/v1/entities`)).status).toBe(401);
      expect((await fetch(`${d.url}/api/v1/entities`, { headers: asReader })).status).toBe(401);
      expect((await fetch(`${d.url}/metrics`)).status).toBe(200);
    } finally {
      await d.stop();
    }
  });
});
