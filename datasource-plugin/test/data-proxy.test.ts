/**
 * @jest-environment node
 */
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AUTH_FAILED_MESSAGE, DataProxy, OrgRole, ROUTE_DENIED_MESSAGE, Route } from './browser/harness/data-proxy';

// The shipped routes (dist/plugin.json) behind the test's stand-in for Grafana's data proxy, with a
// recording upstream playing both the detector and the remediator.
const routes = JSON.parse(readFileSync(join(__dirname, '../dist/plugin.json'), 'utf8')).routes as Route[];

interface Seen {
  method: string;
  url: string;
  authorization?: string;
}

let upstream: Server;
let upstreamUrl: string;
let proxyServer: Server;
let proxyUrl: string;
let proxy: DataProxy;
const seen: Seen[] = [];

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  );
}

beforeAll(async () => {
  upstream = createServer((req: IncomingMessage, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    if (req.headers.authorization !== 'Bearer reader') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"UNAUTHORIZED","message":"bad token"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  upstreamUrl = await listen(upstream);
  proxyServer = createServer(async (req, res) => {
    if (!(await proxy.handle(req, res))) {
      res.writeHead(404).end();
    }
  });
  proxyUrl = await listen(proxyServer);
});

afterAll(async () => {
  await new Promise((r) => upstream.close(r));
  await new Promise((r) => proxyServer.close(r));
});

function useProxy(role: OrgRole, proxyRoutes: Route[] = routes, token = 'reader') {
  seen.length = 0;
  proxy = new DataProxy(
    {
      uid: 'homeostat',
      type: 'homeostat-anomaly-datasource',
      url: '',
      jsonData: { detectorUrl: `${upstreamUrl}/det`, remediatorUrl: `${upstreamUrl}/rem` },
      secureJsonData: { detectorToken: token, remediatorToken: token },
    },
    proxyRoutes
  );
  proxy.role = role;
}

function call(method: string, path: string, body?: unknown) {
  return fetch(`${proxyUrl}/api/datasources/proxy/uid/homeostat/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

// Every write the remediator offers (receivers, approvals, kill switch), and a write-shaped call to the detector.
const WRITES: Array<[string, string, unknown]> = [
  ['PUT', 'remediator/api/v1/kill-switch', { engaged: true }],
  ['POST', 'remediator/api/v1/actions/a1/approve', {}],
  ['POST', 'remediator/api/v1/alerts/alertmanager', { alerts: [] }],
  ['POST', 'remediator/api/v1/alerts/grafana', { alerts: [] }],
  ['DELETE', 'remediator/api/v1/actions/a1', undefined],
  ['POST', 'detector/api/v1/detectors', {}],
];

describe('the datasource routes behind Grafana’s data proxy', () => {
  it.each(['Viewer', 'Editor', 'Admin'] as OrgRole[])('refuses every write for a %s; the upstream never sees it', async (role) => {
    useProxy(role);
    for (const [method, path, body] of WRITES) {
      const res = await call(method, path, body);
      expect([path, res.status >= 400]).toEqual([path, true]);
    }
    expect(seen).toEqual([]);
  });

  it('lets a Viewer read: detector GETs and the score replay POST, remediator GETs, each with the reader token', async () => {
    useProxy('Viewer');
    const reads: Array<[string, string, unknown]> = [
      ['GET', 'detector/api/v1/detectors', undefined],
      ['GET', 'detector/api/v1/events?from=1&to=2', undefined],
      ['POST', 'detector/api/v1/score', { detector: 'fleet', from: 1, to: 2 }],
      ['GET', 'remediator/api/v1/timeline?from=1&to=2', undefined],
      ['GET', 'remediator/api/v1/kill-switch', undefined],
    ];
    for (const [method, path, body] of reads) {
      expect([path, (await call(method, path, body)).status]).toEqual([path, 200]);
    }
    expect(seen).toEqual([
      { method: 'GET', url: '/det/api/v1/detectors', authorization: 'Bearer reader' },
      { method: 'GET', url: '/det/api/v1/events?from=1&to=2', authorization: 'Bearer reader' },
      { method: 'POST', url: '/det/api/v1/score', authorization: 'Bearer reader' },
      { method: 'GET', url: '/rem/api/v1/timeline?from=1&to=2', authorization: 'Bearer reader' },
      { method: 'GET', url: '/rem/api/v1/kill-switch', authorization: 'Bearer reader' },
    ]);
  });

  it('turns an upstream 401 into 400 with Grafana’s message, as a real Grafana does', async () => {
    useProxy('Viewer', routes, 'wrong');
    const res = await call('GET', 'detector/api/v1/detectors');
    expect(res.status).toBe(400);
    await expect(res.text()).resolves.toBe(AUTH_FAILED_MESSAGE);
  });
});

describe('the stand-in proxy follows Grafana’s route rules', () => {
  const url = () => `${upstreamUrl}/x`;
  const header = [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.detectorToken }}' }];

  it('checks reqRole against the user’s role and answers 403 with Grafana’s message', async () => {
    const gated: Route[] = [{ path: 'admin', method: 'POST', url: url(), reqRole: 'Admin', headers: header }];
    useProxy('Viewer', gated);
    const denied = await call('POST', 'admin/do', {});
    expect(denied.status).toBe(403);
    await expect(denied.json()).resolves.toEqual({ message: ROUTE_DENIED_MESSAGE });
    useProxy('Admin', gated);
    expect((await call('POST', 'admin/do', {})).status).toBe(200);
    expect(seen.map((s) => s.url)).toEqual(['/x/do']);
  });

  it('takes the first route whose method and path prefix match; a denial is final', async () => {
    const ordered: Route[] = [
      { path: 'svc', method: 'GET', url: `${upstreamUrl}/first`, headers: header },
      { path: 'svc/deep', method: 'GET', url: `${upstreamUrl}/second`, headers: header },
      { path: 'svc', method: 'POST', url: url(), reqRole: 'Editor', headers: header },
      { path: 'svc', url: `${upstreamUrl}/any`, headers: header },
    ];
    useProxy('Viewer', ordered);
    await call('GET', 'svc/deep/a');
    expect((await call('POST', 'svc/a', {})).status).toBe(403);
    expect(seen.map((s) => s.url)).toEqual(['/first/deep/a']);
  });

  it('sends a request no route matches to the datasource URL without any route’s token (none set: 502)', async () => {
    useProxy('Admin', [{ path: 'svc', method: 'GET', url: url(), headers: header }]);
    expect((await call('PUT', 'svc/a', {})).status).toBe(502);
    expect(seen).toEqual([]);
  });
});
