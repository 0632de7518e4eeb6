import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { makeTempDir, startPrometheus, type PrometheusDaemon } from '@homeostat/testkit';
import { parseConfig } from '../src/service/config';
import { PrometheusClient } from '../src/service/prometheus-client';
import { DetectorError } from '../src/errors';

jest.setTimeout(60_000);

/** A real HTTP server standing in for a flaky query API: answers with the queued statuses in turn. */
async function flakyApi(
  statuses: number[],
): Promise<{ url: string; requests: IncomingMessage[]; bodies: string[]; close: () => Promise<void> }> {
  const requests: IncomingMessage[] = [];
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push(req);
      bodies.push(body);
      const status = statuses.shift() ?? 200;
      const ok = {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { service: 'a' },
              values: [
                [1700000000, '1.5'],
                [1700000001, 'NaN'],
              ],
            },
          ],
        },
      };
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          status === 200
            ? ok
            : {
                status: 'error',
                errorType: status === 400 ? 'bad_data' : 'internal',
                error: `boom ${status}`,
              },
        ),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const cfg = (url: string, extra: Record<string, unknown> = {}) =>
  parseConfig({
    prometheus: { url, retries: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 }, ...extra },
    detectors: [{ job: 'x' }],
  }).prometheus;

describe('PrometheusClient against a flaky HTTP API', () => {
  it('retries 5xx with backoff and succeeds, sending bearer auth and the query as a form body', async () => {
    const api = await flakyApi([503, 500]);
    const outcomes: string[] = [];
    const c = new PrometheusClient(cfg(api.url, { auth: { type: 'bearer', token: 's3cret' } }), (o) =>
      outcomes.push(o.ok ? 'ok' : String(o.kind)),
    );
    const r = await c.queryRange('up', 1_700_000_000_000, 1_700_000_001_000, 1);
    expect(r).toEqual([
      { labels: { service: 'a' }, timestamps: [1_700_000_000_000, 1_700_000_001_000], values: [1.5, NaN] },
    ]);
    expect(outcomes).toEqual(['http_5xx', 'http_5xx', 'ok']);
    expect(api.requests.every((q) => q.headers.authorization === 'Bearer s3cret')).toBe(true);
    expect(new URLSearchParams(api.bodies[0]).get('query')).toBe('up');
    await api.close();
  });

  it('gives up after the configured attempts with UPSTREAM_ERROR', async () => {
    const api = await flakyApi([502, 502, 502, 502]);
    const c = new PrometheusClient(cfg(api.url));
    await expect(c.queryRange('up', 0, 1000, 1)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(api.requests).toHaveLength(3);
    await api.close();
  });

  it('does not retry a 400 (bad PromQL) and reports INVALID_QUERY with basic auth sent', async () => {
    const api = await flakyApi([400]);
    const c = new PrometheusClient(cfg(api.url, { auth: { type: 'basic', username: 'u', password: 'p' } }));
    const e = await c.queryRange('sum(', 0, 1000, 1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DetectorError);
    expect((e as DetectorError).code).toBe('INVALID_QUERY');
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    await api.close();
  });

  it('treats an unreachable API as a retryable network error', async () => {
    const api = await flakyApi([]);
    await api.close();
    const kinds: string[] = [];
    const c = new PrometheusClient(cfg(api.url), (o) => kinds.push(String(o.kind)));
    await expect(c.queryRange('up', 0, 1000, 1)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(kinds).toEqual(['network', 'network', 'network']);
    expect(await c.ping()).toBe(false);
  });
});

const MATRIX = { resultType: 'matrix', result: [{ metric: { service: 'a' }, values: [[1700000000, '1']] }] };

/** A query API whose every answer the test writes: `answer(request, body, response)`. */
async function scriptedApi(
  answer: (req: IncomingMessage, body: URLSearchParams, res: ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => answer(req, new URLSearchParams(body), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('PrometheusClient against remote backends (Mimir, Thanos, query frontends)', () => {
  it.each([
    ['429 with Retry-After in seconds', 429, { 'retry-after': '2' }, 'http_429', 2000],
    [
      '503 with Retry-After as an HTTP date',
      503,
      { 'retry-after': new Date(Date.now() + 60_000).toUTCString() },
      'http_5xx',
      30_000,
    ],
  ])('retries %s, waiting at least what it asks (capped)', async (_what, status, headers, kind, minWait) => {
    let n = 0;
    const api = await scriptedApi((_req, _body, res) =>
      n++ === 0
        ? json(res, status, { status: 'error', error: 'slow down' }, headers)
        : json(res, 200, { status: 'success', data: MATRIX }),
    );
    const kinds: string[] = [];
    const waits: number[] = [];
    const c = new PrometheusClient(
      cfg(api.url),
      (o) => kinds.push(o.ok ? 'ok' : String(o.kind)),
      async (ms) => void waits.push(ms),
    );
    expect(await c.queryRange('up', 1_700_000_000_000, 1_700_000_000_000, 1)).toHaveLength(1);
    expect(kinds).toEqual([kind, 'ok']);
    // at least the Retry-After (an HTTP date a minute away: the 30 s cap), never the 5 ms jitter cap
    expect(waits[0]).toBeGreaterThanOrEqual(minWait - 1000);
    expect(waits[0]).toBeLessThanOrEqual(30_000);
    await api.close();
  });

  it('refuses Thanos partial responses unless allowed, and surfaces warnings to the caller and the observer', async () => {
    const seen: (string | null)[] = [];
    const api = await scriptedApi((_req, body, res) => {
      seen.push(body.get('partial_response'));
      json(res, 200, { status: 'success', data: MATRIX, warnings: ['store 10.0.0.7:10901 did not answer'] });
    });
    const counted: number[] = [];
    const refuse = new PrometheusClient(cfg(api.url), (o) => o.warnings && counted.push(o.warnings));
    const warnings: string[] = [];
    await refuse.queryRange('up', 1_700_000_000_000, 1_700_000_000_000, 1, { warnings });
    expect(warnings).toEqual(['store 10.0.0.7:10901 did not answer']);
    expect(counted).toEqual([1]);
    await new PrometheusClient(cfg(api.url, { partialResponse: 'allow' })).queryRange('up', 0, 0, 1);
    expect(seen).toEqual(['false', 'true']);
    await api.close();
  });

  it('reads a rotated tokenFile again: on change, and after a 401 even when the file looks unchanged', async () => {
    const file = join(makeTempDir('token'), 'token');
    writeFileSync(file, 'token-A');
    let valid = 'token-A';
    const got: string[] = [];
    const api = await scriptedApi((req, _body, res) => {
      got.push(String(req.headers.authorization));
      if (req.headers.authorization === `Bearer ${valid}`)
        json(res, 200, { status: 'success', data: MATRIX });
      else json(res, 401, { status: 'error', error: 'unauthorized' });
    });
    const c = new PrometheusClient(cfg(api.url, { auth: { type: 'bearer', tokenFile: file } }));
    await c.queryRange('up', 0, 0, 1);
    // rotated the usual way: new content, new mtime
    writeFileSync(file, 'token-B');
    utimesSync(file, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    valid = 'token-B';
    await c.queryRange('up', 0, 0, 1);
    // rotated in place with the same size and mtime: the 401 makes it read the file once more
    const { atime, mtime } = statSync(file);
    writeFileSync(file, 'token-C');
    utimesSync(file, atime, mtime);
    valid = 'token-C';
    await c.queryRange('up', 0, 0, 1);
    expect(got).toEqual(['Bearer token-A', 'Bearer token-B', 'Bearer token-B', 'Bearer token-C']);
    await api.close();
  });
});

describe('PrometheusClient over TLS (tls: caFile, certFile/keyFile, serverName)', () => {
  const tlsDir = join(__dirname, 'fixtures', 'tls');
  const file = (f: string) => join(tlsDir, f);
  let server: ReturnType<typeof createHttpsServer>;
  let url: string;
  const clients: (string | null)[] = [];

  beforeAll(async () => {
    // A query API with a certificate for prometheus.test from a private CA, requiring a client certificate.
    server = createHttpsServer(
      {
        key: readFileSync(file('server.key')),
        cert: readFileSync(file('server.pem')),
        ca: readFileSync(file('ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        clients.push(peer?.subject?.CN ?? null);
        req.resume();
        req.on('end', () => json(res, 200, { status: 'success', data: MATRIX }));
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('verifies the server against the given CA and name, and presents the client certificate', async () => {
    const c = new PrometheusClient(
      cfg(url, {
        tls: {
          caFile: file('ca.pem'),
          certFile: file('client.pem'),
          keyFile: file('client.key'),
          serverName: 'prometheus.test',
        },
      }),
    );
    expect(await c.queryRange('up', 1_700_000_000_000, 1_700_000_000_000, 1)).toHaveLength(1);
    expect(clients).toEqual(['homeostat-detector']);
    c.close();
  });

  it.each([
    [
      'without the CA (system CAs do not know it)',
      { certFile: 'client.pem', keyFile: 'client.key', serverName: 'prometheus.test' },
    ],
    ['without a client certificate', { caFile: 'ca.pem', serverName: 'prometheus.test' }],
    [
      'with the wrong server name',
      { caFile: 'ca.pem', certFile: 'client.pem', keyFile: 'client.key', serverName: 'other.test' },
    ],
  ])('fails %s, as a network error', async (_what, t) => {
    const tls = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, k === 'serverName' ? v : file(v)]));
    const kinds: string[] = [];
    const c = new PrometheusClient(cfg(url, { tls }), (o) => kinds.push(String(o.kind)));
    await expect(c.queryRange('up', 0, 0, 1)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(kinds[0]).toBe('network');
    c.close();
  });

  it('rejects certFile without keyFile at config load, naming the key', () => {
    expect(() => cfg(url, { tls: { certFile: file('client.pem') } })).toThrow(/prometheus\.tls\.certFile/);
  });
});

describe('PrometheusClient against a real Prometheus', () => {
  let prom: PrometheusDaemon;
  beforeAll(async () => {
    prom = await startPrometheus();
  });
  afterAll(async () => {
    await prom?.stop({ removeDir: true });
  });

  it('splits ranges over 11,000 points into several query_range calls and merges them', async () => {
    const requests: string[] = [];
    const c = new PrometheusClient(cfg(prom.url), (o) => requests.push(o.endpoint));
    const end = Math.floor(Date.now() / 1000) * 1000;
    const start = end - 25_000 * 1000; // 25,001 points at 1 s: three chunks
    const r = await c.queryRange('vector(1)', start, end, 1);
    expect(requests.filter((e) => e === '/api/v1/query_range')).toHaveLength(3);
    expect(r).toHaveLength(1);
    expect(r[0].timestamps).toHaveLength(25_001);
    expect(new Set(r[0].timestamps).size).toBe(25_001);
    expect(r[0].timestamps[0]).toBe(start);
    expect(r[0].timestamps.at(-1)).toBe(end);
    expect(await c.ping()).toBe(true);
  });
});
