import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPrometheus, type PrometheusDaemon } from '@homeostat/testkit';
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
