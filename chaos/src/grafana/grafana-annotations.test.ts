import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { grafanaAnnotator } from './grafana-annotations';

// No Grafana server exists on this machine: a loopback HTTP server records what Grafana's
// POST /api/annotations would receive.
let server: Server;
let base: string;
const received: { auth?: string; body: Record<string, unknown> }[] = [];
let status = 200;
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/grafana/api/annotations') received.push({ auth: req.headers.authorization, body: JSON.parse(data) });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"id":1}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/grafana/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('grafanaAnnotator', () => {
  it('is off unless both GRAFANA_URL and GRAFANA_TOKEN are set', async () => {
    expect(grafanaAnnotator({ GRAFANA_URL: base }).enabled).toBe(false);
    expect(grafanaAnnotator({ GRAFANA_TOKEN: 't' }).enabled).toBe(false);
  });

  it('posts region and point annotations with the bearer token and chaos tags', async () => {
    const a = grafanaAnnotator({ GRAFANA_URL: base, GRAFANA_TOKEN: 'glsa_test' });
    await a.annotate({ time: 1000, timeEnd: 31_000, tags: ['fault-window', 'cpu-spike'], text: 'chaos: cpu on orders' });
    await a.annotate({ time: 5000, tags: ['detection'], text: 'homeostat: anomaly on orders' });
    expect(received).toEqual([
      { auth: 'Bearer glsa_test', body: { time: 1000, timeEnd: 31_000, tags: ['homeostat', 'chaos', 'fault-window', 'cpu-spike'], text: 'chaos: cpu on orders' } },
      { auth: 'Bearer glsa_test', body: { time: 5000, tags: ['homeostat', 'chaos', 'detection'], text: 'homeostat: anomaly on orders' } },
    ]);
    expect(a.errors).toEqual([]);
  });

  it('a refusal is collected as an error, never thrown', async () => {
    status = 401;
    const a = grafanaAnnotator({ GRAFANA_URL: base, GRAFANA_TOKEN: 'bad' });
    await expect(a.annotate({ time: 1, tags: [], text: 'x' })).resolves.toBeUndefined();
    expect(a.errors).toEqual(['annotation "x": HTTP 401']);
    status = 200;
  });
});
