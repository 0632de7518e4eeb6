import { readFileSync } from 'node:fs';
import { startService, TOKEN, type NodeService } from './helpers';

// Every admin endpoint refuses a request without the bearer token, or with a wrong one, and the
// refused request changes nothing.
jest.setTimeout(60_000);

let backend: NodeService;
let gateway: NodeService;

beforeAll(async () => {
  backend = await startService('backend', ['--service', 'inventory']);
  gateway = await startService('gateway', ['--upstream', `inventory=${backend.url}`]);
});
afterAll(async () => {
  await gateway?.stop({ removeDir: true });
  await backend?.stop({ removeDir: true });
});

const backendCalls: Array<[string, string, unknown?]> = [
  ['GET', '/admin/faults'],
  ['POST', '/admin/faults/cpu', { durationSeconds: 5 }],
  ['DELETE', '/admin/faults/cpu'],
  ['POST', '/admin/faults/crash', {}],
  ['GET', '/admin/cache'],
  ['POST', '/admin/cache', { enabled: false }],
];
const gatewayCalls: Array<[string, string, unknown?]> = [
  ['GET', '/admin/upstreams'],
  ['POST', '/admin/upstreams/inventory', { url: 'http://127.0.0.1:1' }],
  ['DELETE', '/admin/upstreams/inventory', { url: 'http://127.0.0.1:1' }],
  ['POST', '/admin/weights/inventory', { weights: {} }],
  ['POST', '/admin/faults/packet-loss', { ratio: 0.2 }],
  ['DELETE', '/admin/faults/packet-loss'],
];
const badAuth: Array<[string, Record<string, string>]> = [
  ['no header', {}],
  ['wrong token', { authorization: 'Bearer nope' }],
  ['token as basic auth', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
  ['token with a suffix', { authorization: `Bearer ${TOKEN}x` }],
];

describe.each([
  ['backend', () => backend, backendCalls],
  ['gateway', () => gateway, gatewayCalls],
] as const)('%s admin API', (_name, svc, calls) => {
  const rows: Array<[string, string, string, Record<string, string>, unknown]> = calls.flatMap(
    ([method, path, body]) =>
      badAuth.map(([why, headers]): [string, string, string, Record<string, string>, unknown] => [
        method,
        path,
        why,
        headers,
        body,
      ]),
  );
  it.each(rows)('%s %s with %s is 401', async (method, path, _why, headers, body) => {
    const res = await fetch(`${svc().url}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', field: 'authorization' });
  });
});

test('refused requests changed nothing, and the right token works', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const faults = await (await fetch(`${backend.url}/admin/faults`, { headers: auth })).json();
  expect(faults).toEqual({ active: [], history: [] });
  expect(await (await fetch(`${backend.url}/admin/cache`, { headers: auth })).json()).toMatchObject({
    enabled: true,
  });
  const ups = (await (await fetch(`${gateway.url}/admin/upstreams`, { headers: auth })).json()) as {
    services: Record<string, unknown[]>;
  };
  expect(ups.services.inventory).toHaveLength(1);
  expect(backend.child.exitCode).toBeNull(); // the unauthenticated crash did not happen
  // public endpoints stay open
  for (const p of ['/healthz', '/readyz', '/metrics', '/openapi.json'])
    expect((await fetch(`${gateway.url}${p}`)).status).toBe(200);
});

test('without HOMEOSTAT_ADMIN_TOKEN the documented dev token works and a warning is logged', async () => {
  const dev = await startService('backend', ['--service', 'orders'], { HOMEOSTAT_ADMIN_TOKEN: '' });
  try {
    const ok = await fetch(`${dev.url}/admin/faults`, {
      headers: { authorization: 'Bearer homeostat-dev-token' },
    });
    expect(ok.status).toBe(200);
    expect(
      (await fetch(`${dev.url}/admin/faults`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(401);
    const log = readFileSync(dev.logFile, 'utf8');
    expect(log).toMatch(/"level":40.*HOMEOSTAT_ADMIN_TOKEN is not set/);
  } finally {
    await dev.stop({ removeDir: true });
  }
});
