import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, startPrometheus, waitFor, type PrometheusDaemon } from '@homeostat/testkit';
import {
  admin,
  drive,
  hostPort,
  rawGet,
  scalar,
  startService,
  waitForValue,
  type NodeService,
} from './helpers';

// A real gateway in front of two real orders replicas, scraped by a real Prometheus.
jest.setTimeout(60_000);

let a: NodeService;
let b: NodeService;
let gw: NodeService;
let prom: PrometheusDaemon;

async function upstreamCount(upstream: string): Promise<number> {
  return (
    (await scalar(
      prom,
      `sum(gateway_upstream_requests_total{job="demo",service="orders",upstream="${upstream}"})`,
    )) ?? 0
  );
}

/** Waits until Prometheus has scraped the gateway's current counters. */
async function scrapedTotal(): Promise<number> {
  const local = await (await fetch(`${gw.url}/metrics`)).text();
  const want = local
    .split('\n')
    .filter((l) => l.startsWith('gateway_upstream_requests_total{'))
    .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
  return waitForValue(prom, `sum(gateway_upstream_requests_total{job="demo"})`, (v) => v >= want);
}

beforeAll(async () => {
  [a, b] = await Promise.all([
    startService('backend', ['--service', 'orders']),
    startService('backend', ['--service', 'orders']),
  ]);
  gw = await startService('gateway', ['--upstream', `orders=${a.url}`]);
  prom = await startPrometheus({
    scrapeTargets: [
      { job: 'demo', targets: [hostPort(gw.url)] },
      { job: 'backends', targets: [hostPort(a.url), hostPort(b.url)] },
    ],
  });
  await waitForValue(prom, 'sum(up)', (v) => v === 3);
}, 60_000);

afterAll(async () => {
  await prom?.stop({ removeDir: true });
  await Promise.all([gw, a, b].map((s) => s?.stop({ removeDir: true })));
});

test('a replica added through the admin API takes its share of the load', async () => {
  await drive(`${gw.url}/api/orders/1`, { ms: 1000, concurrency: 2, maxRequests: 100 });
  await scrapedTotal();
  expect(await upstreamCount(b.url)).toBe(0);
  await waitForValue(prom, 'gateway_upstreams{job="demo",service="orders"}', (v) => v === 1);

  const added = await admin(gw.url, 'POST', '/admin/upstreams/orders', { url: b.url });
  expect(added.status).toBe(201);
  await waitForValue(prom, 'gateway_upstreams{job="demo",service="orders"}', (v) => v === 2);
  const [a0, b0] = [await upstreamCount(a.url), await upstreamCount(b.url)];
  const bBackend0 =
    (await scalar(prom, `sum(http_requests_total{job="backends",instance="${hostPort(b.url)}"})`)) ?? 0;
  const load = await drive(`${gw.url}/api/orders/1`, { ms: 3000, concurrency: 4, maxRequests: 400 });
  expect(load.byStatus['200']).toBe(load.total);
  await scrapedTotal();
  const da = (await upstreamCount(a.url)) - a0;
  const db = (await upstreamCount(b.url)) - b0;
  expect(da + db).toBe(load.total);
  expect(db / load.total).toBeGreaterThan(0.4);
  expect(db / load.total).toBeLessThan(0.6);
  // the new replica itself saw the requests (its own metrics, scraped separately)
  await waitForValue(
    prom,
    `sum(http_requests_total{job="backends",instance="${hostPort(b.url)}"})`,
    (v) => v - bBackend0 === db,
  );
});

test('weights shift traffic 3:1, weight 0 drains a replica, DELETE removes it', async () => {
  const w = await admin(gw.url, 'POST', '/admin/weights/orders', { weights: { [a.url]: 1, [b.url]: 3 } });
  expect(w.status).toBe(200);
  const seen: Record<string, number> = {};
  for (let i = 0; i < 80; i++) {
    const res = await fetch(`${gw.url}/api/orders/2`);
    await res.arrayBuffer();
    const u = res.headers.get('x-upstream')!;
    seen[u] = (seen[u] ?? 0) + 1;
  }
  expect(seen).toEqual({ [a.url]: 20, [b.url]: 60 });
  await waitForValue(prom, `gateway_upstream_weight{job="demo",upstream="${b.url}"}`, (v) => v === 3);

  await admin(gw.url, 'POST', '/admin/weights/orders', { weights: { [b.url]: 0 } });
  await waitForValue(prom, 'gateway_upstreams{job="demo",service="orders"}', (v) => v === 1);
  const b0 = await (async () => (await scrapedTotal(), upstreamCount(b.url)))();
  await drive(`${gw.url}/api/orders/2`, { ms: 800, concurrency: 2, maxRequests: 50 });
  await scrapedTotal();
  expect(await upstreamCount(b.url)).toBe(b0);

  const bad = await admin(gw.url, 'POST', '/admin/weights/orders', { weights: { 'http://127.0.0.1:1': 2 } });
  expect(bad).toMatchObject({
    status: 400,
    json: { code: 'UNKNOWN_UPSTREAM', field: 'weights.http://127.0.0.1:1' },
  });

  const removed = await admin(gw.url, 'DELETE', '/admin/upstreams/orders', { url: b.url });
  expect(removed.status).toBe(200);
  expect((removed.json.replicas as Array<{ url: string }>).map((r) => r.url)).toEqual([a.url]);
  expect((await admin(gw.url, 'DELETE', '/admin/upstreams/orders', { url: b.url })).status).toBe(404);
});

test('a dead replica is ejected and requests still succeed on the live one', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  await admin(gw.url, 'POST', '/admin/upstreams/orders', { url: dead });
  const r = await drive(`${gw.url}/api/orders/3`, { ms: 1000, concurrency: 2, maxRequests: 40 });
  expect(r.byStatus['200']).toBe(r.total);
  await scrapedTotal();
  expect(
    await scalar(prom, `sum(gateway_upstream_requests_total{job="demo",upstream="${dead}",code="0"})`),
  ).toBeGreaterThanOrEqual(1);
  const ups = (await admin(gw.url, 'GET', '/admin/upstreams')).json.services as Record<
    string,
    Array<{ url: string; ejected: boolean }>
  >;
  expect(ups.orders.find((u) => u.url === dead)?.ejected).toBe(true);
  await admin(gw.url, 'DELETE', '/admin/upstreams/orders', { url: dead });
});

test('packet loss resets about the configured share of connections, then stops', async () => {
  const N = 400;
  const t0 = Date.now();
  const started = await admin(gw.url, 'POST', '/admin/faults/packet-loss', {
    ratio: 0.15,
    durationSeconds: 60,
  });
  expect(started.status).toBe(201);
  expect(started.json).toMatchObject({ fault: 'packet-loss', params: { ratio: 0.15 } });
  expect(started.json.startedAt as number).toBeGreaterThanOrEqual(t0);
  let resets = 0;
  for (let i = 0; i < N; i += 4) {
    const batch = await Promise.all(Array.from({ length: 4 }, () => rawGet(`${gw.url}/api/orders/4`)));
    resets += batch.filter((x) => x === 'reset').length;
    expect(batch.every((x) => x === 'reset' || x === 200)).toBe(true);
  }
  expect(resets / N).toBeGreaterThan(0.08);
  expect(resets / N).toBeLessThan(0.22);
  await waitForValue(
    prom,
    'gateway_dropped_connections_total{job="demo",service="orders"}',
    (v) => v === resets,
  );
  await waitForValue(prom, 'sum(http_requests_total{job="demo",code="599"})', (v) => v === resets);
  await waitForValue(prom, 'demo_fault_active{job="demo",fault="packet-loss"}', (v) => v === 1);

  const stopped = await admin(gw.url, 'DELETE', '/admin/faults/packet-loss');
  expect(stopped.json).toMatchObject({ startedAt: started.json.startedAt, endedBy: 'stopped' });
  const after = await Promise.all(Array.from({ length: 40 }, () => rawGet(`${gw.url}/api/orders/4`)));
  expect(after.filter((x) => x === 'reset')).toHaveLength(0);
  expect((await admin(gw.url, 'POST', '/admin/faults/packet-loss', { ratio: 1.5 })).json).toMatchObject({
    code: 'BAD_REQUEST',
    field: 'ratio',
  });
});

test('bodies, methods and trace context pass through to the backend', async () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const res = await fetch(`${gw.url}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    body: JSON.stringify({ item: 'x' }),
  });
  expect(res.status).toBe(201);
  expect(await res.json()).toMatchObject({ service: 'orders', status: 'accepted' });
  const unknown = await fetch(`${gw.url}/api/shipping/1`);
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toMatchObject({ code: 'UNKNOWN_SERVICE', field: 'service' });
  // the backend's exemplar shows the same trace id the client sent to the gateway
  const m = await (await fetch(`${a.url}/metrics`)).text();
  expect(m).toContain(`trace_id="${traceId}"`);
});

test('replicas from an upstreams file and from DNS', async () => {
  const dir = makeTempDir('demo-upstreams');
  const file = join(dir, 'upstreams.yml');
  writeFileSync(file, `orders:\n  - ${a.url}\n`);
  const port = new URL(b.url).port;
  const g2 = await startService('gateway', [
    '--upstreams-file',
    file,
    '--file-interval-ms',
    '200',
    '--dns',
    `payments=localhost:${port}`,
    '--dns-interval-ms',
    '200',
  ]);
  try {
    const list = async () =>
      (await admin(g2.url, 'GET', '/admin/upstreams')).json.services as Record<
        string,
        Array<{ url: string; sources: string[] }>
      >;
    expect((await list()).orders).toEqual([expect.objectContaining({ url: a.url, sources: ['file'] })]);
    await waitFor('DNS replicas', async () =>
      (await list()).payments?.some((r) => r.url === `http://127.0.0.1:${port}`),
    );
    writeFileSync(file, `orders:\n  - ${a.url}\n  - ${b.url}\n`);
    await waitFor('file reload', async () => (await list()).orders.length === 2);
    writeFileSync(file, `orders: [not a url]\n`); // a broken edit keeps the previous replicas
    await new Promise((r) => setTimeout(r, 600));
    expect((await list()).orders).toHaveLength(2);
    const r = await drive(`${g2.url}/api/orders/5`, { ms: 500, concurrency: 2, maxRequests: 20 });
    expect(r.byStatus['200']).toBe(r.total);
  } finally {
    await g2.stop({ removeDir: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a gateway without replicas is alive but not ready until one is added', async () => {
  const g3 = await startService('gateway', []);
  try {
    expect((await fetch(`${g3.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${g3.url}/readyz`)).status).toBe(503);
    expect((await admin(g3.url, 'POST', '/admin/upstreams/orders', { url: a.url })).status).toBe(201);
    expect((await fetch(`${g3.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${g3.url}/api/orders/1`)).status).toBe(200);
    const doc = (await (await fetch(`${g3.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/admin/upstreams/{service}',
        '/admin/weights/{service}',
        '/admin/faults/packet-loss',
      ]),
    );
  } finally {
    await g3.stop({ removeDir: true });
  }
});

test('a replica slower than the upstream timeout makes the gateway answer 504', async () => {
  const g4 = await startService('gateway', ['--upstream', `orders=${a.url}`, '--upstream-timeout-ms', '300']);
  try {
    await admin(a.url, 'POST', '/admin/faults/latency', { ms: 1500, durationSeconds: 20 });
    const res = await fetch(`${g4.url}/api/orders/1`);
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'UPSTREAM_FAILED' });
  } finally {
    await admin(a.url, 'DELETE', '/admin/faults/latency');
    await g4.stop({ removeDir: true });
  }
});
