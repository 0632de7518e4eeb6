import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { makeTempDir, startPrometheus, waitFor, type PrometheusDaemon } from '@homeostat/testkit';
import {
  admin,
  backgroundLoad,
  drive,
  hostPort,
  scalar,
  startService,
  waitForValue,
  type NodeService,
} from './helpers';

// One real backend process scraped by a real Prometheus every second; each fault must move the
// metric a user (or the detector) would look at, and stop moving it once stopped.
jest.setTimeout(60_000);

let backend: NodeService;
let prom: PrometheusDaemon;
const scratch = makeTempDir('demo-scratch');
const J = '{job="demo"}';

beforeAll(async () => {
  backend = await startService('backend', [
    '--service',
    'orders',
    '--workers',
    '8',
    '--db-pool-size',
    '4',
    '--db-acquire-timeout-ms',
    '300',
    '--scratch-dir',
    scratch,
  ]);
  prom = await startPrometheus({ scrapeTargets: [{ job: 'demo', targets: [hostPort(backend.url)] }] });
  await waitForValue(prom, `up${J}`, (v) => v === 1);
}, 60_000);

afterAll(async () => {
  await prom?.stop({ removeDir: true });
  await backend?.stop({ removeDir: true });
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(async () => {
  // a failed test must not leave its fault running into the next one
  const { json } = await admin(backend.url, 'GET', '/admin/faults');
  for (const f of json.active as Array<{ fault: string }>)
    await admin(backend.url, 'DELETE', `/admin/faults/${f.fault}`);
  await admin(backend.url, 'POST', '/admin/cache', { enabled: true });
});

/** Idle cores of the whole machine between two /proc/stat samples. */
function cpuTimes(): { idle: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { idle: f[3] + f[4], total: f.reduce((a, b) => a + b, 0) };
}

test('before any failure, every route exports its failure series at 0, so rate() counts the first failures', async () => {
  // Prometheus' rate() cannot count a counter's first sample: a 5xx series born with the first
  // failure would hide the first seconds of an error spike from every error-ratio rule
  const failures = `http_requests_total{job="demo",service="orders",method="POST",route="/api/orders",code=~"5.."}`;
  await waitForValue(prom, `count(${failures})`, (v) => v === 3);
  const codes = (await prom.query(failures)).map((r) => [r.metric.code, Number(r.value[1])]);
  expect(codes.sort()).toEqual([
    ['500', 0],
    ['503', 0],
    ['599', 0],
  ]);
  expect(
    await scalar(
      prom,
      `count(http_request_duration_seconds_count{job="demo",method="POST",route="/api/orders",code="503"})`,
    ),
  ).toBe(1);
});

test('cpu: process CPU rises to >= 80 % of a core (unless the machine has no idle CPU) and falls after stop', async () => {
  const rate = `rate(process_cpu_seconds_total${J}[3s])`;
  const before = (await scalar(prom, rate)) ?? 0;
  const { status, json } = await admin(backend.url, 'POST', '/admin/faults/cpu', { durationSeconds: 30 });
  expect(status).toBe(201);
  expect(json).toMatchObject({ fault: 'cpu', params: { cores: 1, utilization: 0.95 } });
  await new Promise((r) => setTimeout(r, 1500));
  const s1 = cpuTimes();
  await new Promise((r) => setTimeout(r, 5000));
  const s2 = cpuTimes();
  const idleCores = ((s2.idle - s1.idle) / (s2.total - s1.total)) * cpus().length;
  const during = (await scalar(prom, `max_over_time(${rate}[4s:1s])`))!;
  // other work on a shared machine can take every cycle; then the burner cannot reach 0.8, but
  // it must have left no core idle
  expect({ during, saturated: idleCores < 0.25 }).toEqual(
    during >= 0.8 ? { during, saturated: expect.any(Boolean) } : { during, saturated: true },
  );
  expect(during).toBeGreaterThan(before + 0.2);
  await admin(backend.url, 'DELETE', '/admin/faults/cpu');
  await waitForValue(prom, rate, (v) => v < during - 0.15, 15_000);
});

test('memory-leak: resident memory grows by the leaked amount and the leak is bounded', async () => {
  const rss = `process_resident_memory_bytes${J}`;
  const before = (await scalar(prom, rss))!;
  await admin(backend.url, 'POST', '/admin/faults/memory-leak', {
    mbPerSecond: 60,
    maxMb: 120,
    durationSeconds: 20,
  });
  await waitForValue(prom, `demo_memory_leak_bytes${J}`, (v) => v === 120 * 1024 * 1024, 15_000);
  const during = await waitForValue(prom, rss, (v) => v > before + 100 * 1024 * 1024, 10_000);
  // bounded: it stays at maxMb even as time passes
  await new Promise((r) => setTimeout(r, 1500));
  expect(await scalar(prom, `demo_memory_leak_bytes${J}`)).toBe(120 * 1024 * 1024);
  await admin(backend.url, 'DELETE', '/admin/faults/memory-leak');
  await waitForValue(prom, `demo_memory_leak_bytes${J}`, (v) => v === 0);
  expect(during - before).toBeGreaterThan(100 * 1024 * 1024);
});

test('latency: median request latency rises by >= 500 ms while active', async () => {
  const p50 = `histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{job="demo",route="/api/orders/:id"}[3s])))`;
  const load = backgroundLoad(`${backend.url}/api/orders/7`, { ms: 40_000, concurrency: 4 });
  try {
    const before = await waitForValue(prom, p50, (v) => Number.isFinite(v));
    await admin(backend.url, 'POST', '/admin/faults/latency', { ms: 700, durationSeconds: 30 });
    // bucket interpolation blurs the exact +0.7 s, hence +0.45
    const during = await waitForValue(prom, p50, (v) => v >= 0.5 && v >= before + 0.45);
    await admin(backend.url, 'DELETE', '/admin/faults/latency');
    await waitForValue(prom, p50, (v) => v < during - 0.4);
  } finally {
    await load.stop();
  }
});

test('errors: the 5xx ratio spikes to about the configured ratio, failed requests log their trace id', async () => {
  const ratio = `sum(rate(http_requests_total{job="demo",code=~"5.."}[3s])) / sum(rate(http_requests_total${J}[3s]))`;
  const load = backgroundLoad(`${backend.url}/api/orders`, { ms: 40_000, concurrency: 3, method: 'POST' });
  try {
    await admin(backend.url, 'POST', '/admin/faults/errors', { ratio: 0.5, durationSeconds: 30 });
    const during = await waitForValue(prom, ratio, (v) => v > 0.3);
    expect(during).toBeLessThan(0.75);
    await waitForValue(
      prom,
      `sum(rate(demo_transactions_total{job="demo",result="failure"}[3s]))`,
      (v) => v > 0,
    );
    await admin(backend.url, 'DELETE', '/admin/faults/errors');
    await waitForValue(prom, ratio, (v) => v === 0);
  } finally {
    await load.stop();
  }
  const failed = readFileSync(backend.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"request failed"'))
    .map((l) => JSON.parse(l) as { trace_id?: string; code?: number });
  expect(failed.length).toBeGreaterThan(0);
  expect(failed[0].trace_id).toMatch(/^[0-9a-f]{32}$/);
  expect(failed[0].code).toBe(500);
});

test('packet loss: about the configured share of callers get their connection reset, counted as 599; scrapes and admin are untouched', async () => {
  await admin(backend.url, 'POST', '/admin/faults/packet-loss', { ratio: 0.3, durationSeconds: 30 });
  const outcomes: string[] = [];
  for (let i = 0; i < 200; i += 4) {
    const batch = await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(`${backend.url}/api/orders/4`).then(
          async (r) => (await r.arrayBuffer(), String(r.status)),
          () => 'reset',
        ),
      ),
    );
    outcomes.push(...batch);
  }
  const resets = outcomes.filter((o) => o === 'reset').length;
  expect(outcomes.every((o) => o === 'reset' || o === '200')).toBe(true);
  expect(resets / outcomes.length).toBeGreaterThan(0.15);
  expect(resets / outcomes.length).toBeLessThan(0.45);
  // each lost exchange is a 5xx the detector's error ratio (code=~"5..") sees; scrapes still work
  await waitForValue(prom, `sum(http_requests_total{job="demo",code="599"})`, (v) => v === resets);
  expect(await scalar(prom, `up${J}`)).toBe(1);
  await admin(backend.url, 'DELETE', '/admin/faults/packet-loss');
  const after = await Promise.all(
    Array.from({ length: 40 }, () =>
      fetch(`${backend.url}/api/orders/4`).then(
        (r) => r.status,
        () => 'reset',
      ),
    ),
  );
  expect(after.filter((x) => x === 'reset')).toHaveLength(0);
});

test('cache off: every read misses and goes to the database', async () => {
  const missRate = `sum(rate(demo_cache_requests_total{job="demo",result="miss"}[3s]))`;
  const hitRate = `sum(rate(demo_cache_requests_total{job="demo",result="hit"}[3s]))`;
  const load = backgroundLoad(`${backend.url}/api/orders/3`, { ms: 40_000, concurrency: 2 });
  try {
    await waitForValue(prom, hitRate, (v) => v > 1);
    const { json } = await admin(backend.url, 'POST', '/admin/cache', { enabled: false });
    expect(json.enabled).toBe(false);
    await waitForValue(prom, `demo_cache_enabled${J}`, (v) => v === 0);
    await waitForValue(prom, hitRate, (v) => v === 0);
    await waitForValue(prom, missRate, (v) => v > 1);
  } finally {
    await load.stop();
  }
});

test('pool-exhaustion: all DB connections held, queries time out with 503, transactions fail', async () => {
  const load = backgroundLoad(`${backend.url}/api/orders`, { ms: 40_000, concurrency: 4, method: 'POST' });
  try {
    await waitForValue(prom, `sum(rate(http_requests_total{job="demo",code="201"}[3s]))`, (v) => v > 1);
    await admin(backend.url, 'POST', '/admin/faults/pool-exhaustion', { durationSeconds: 30 });
    await waitForValue(prom, `demo_db_pool_connections_in_use${J}`, (v) => v === 4);
    await waitForValue(prom, `sum(rate(http_requests_total{job="demo",code="503"}[3s]))`, (v) => v > 1);
    await waitForValue(
      prom,
      `sum(rate(demo_transactions_total{job="demo",result="success"}[3s]))`,
      (v) => v === 0,
    );
    await admin(backend.url, 'DELETE', '/admin/faults/pool-exhaustion');
    await waitForValue(
      prom,
      `sum(rate(demo_transactions_total{job="demo",result="success"}[3s]))`,
      (v) => v > 1,
    );
  } finally {
    await load.stop();
  }
});

test('disk: bounded files appear in a temp dir of the scratch volume, its usage grows, and both go on stop', async () => {
  const MiB = 1024 * 1024;
  await admin(backend.url, 'POST', '/admin/faults/disk', { mbPerSecond: 40, maxMb: 30, durationSeconds: 30 });
  await waitForValue(prom, `demo_disk_fill_bytes${J}`, (v) => v === 30 * MiB, 15_000);
  const dirs = readdirSync(scratch);
  expect(dirs).toHaveLength(1);
  expect(readdirSync(`${scratch}/${dirs[0]}`).length).toBe(30);
  await waitForValue(prom, `demo_scratch_used_bytes${J}`, (v) => v >= 30 * MiB);
  await admin(backend.url, 'DELETE', '/admin/faults/disk');
  expect(readdirSync(scratch)).toEqual([]);
  await waitForValue(prom, `demo_disk_fill_bytes${J}`, (v) => v === 0);
  await waitForValue(prom, `demo_scratch_used_bytes${J}`, (v) => v === 0);
});

test('disk usage: demo_scratch_used_bytes counts a file any writer leaves on the scratch volume', async () => {
  const file = `${scratch}/left-behind.bin`;
  writeFileSync(file, Buffer.alloc(5 * 1024 * 1024, 1));
  try {
    await waitForValue(prom, `demo_scratch_used_bytes${J}`, (v) => v >= 5 * 1024 * 1024);
    expect(await scalar(prom, `demo_disk_fill_bytes${J}`)).toBe(0);
  } finally {
    rmSync(file, { force: true });
  }
  await waitForValue(prom, `demo_scratch_used_bytes${J}`, (v) => v === 0);
});

test('ground truth: the windows the admin API returns are the ones the service recorded', async () => {
  const t0 = Date.now();
  const started = await admin(backend.url, 'POST', '/admin/faults/latency', { ms: 500, durationSeconds: 30 });
  const t1 = Date.now();
  const w = started.json as { startedAt: number; endsAt: number };
  expect(w.startedAt).toBeGreaterThanOrEqual(t0);
  expect(w.startedAt).toBeLessThanOrEqual(t1);
  expect(w.endsAt).toBe(w.startedAt + 30_000);
  await waitForValue(prom, `demo_fault_active{job="demo",fault="latency"}`, (v) => v === 1);
  const listed = await admin(backend.url, 'GET', '/admin/faults');
  expect(listed.json.active).toEqual([{ ...started.json }]);

  const t2 = Date.now();
  const stopped = await admin(backend.url, 'DELETE', '/admin/faults/latency');
  const t3 = Date.now();
  const s = stopped.json as { startedAt: number; endsAt: number; endedBy: string };
  expect(s.startedAt).toBe(w.startedAt);
  expect(s.endsAt).toBeGreaterThanOrEqual(t2);
  expect(s.endsAt).toBeLessThanOrEqual(t3);
  expect(s.endedBy).toBe('stopped');
  const history = (await admin(backend.url, 'GET', '/admin/faults')).json.history as unknown[];
  expect(history[history.length - 1]).toEqual(stopped.json);
  await waitForValue(prom, `demo_fault_active{job="demo",fault="latency"}`, (v) => v === 0);

  // auto-stop: the recorded end is when the duration ran out
  const auto = (
    await admin(backend.url, 'POST', '/admin/faults/errors', { ratio: 0.1, durationSeconds: 1.5 })
  ).json as { startedAt: number };
  const expired = await waitFor('errors fault expired', async () => {
    const h = (await admin(backend.url, 'GET', '/admin/faults')).json.history as Array<{
      fault: string;
      startedAt: number;
      endsAt: number;
      endedBy: string;
    }>;
    return h.find((x) => x.fault === 'errors' && x.startedAt === auto.startedAt);
  });
  expect(expired.endedBy).toBe('expired');
  expect(expired.endsAt - expired.startedAt).toBeGreaterThanOrEqual(1500);
  expect(expired.endsAt - expired.startedAt).toBeLessThan(2500); // timer lateness on a busy machine
});

test('bad fault requests are 4xx with a field, and never start anything', async () => {
  const cases: Array<[string, unknown, number, string | undefined]> = [
    ['/admin/faults/cpu', { durationSeconds: 100_000 }, 400, 'durationSeconds'],
    ['/admin/faults/latency', { ms: 'slow' }, 400, 'ms'],
    ['/admin/faults/memory-leak', { maxMb: 1e9 }, 400, 'maxMb'],
    ['/admin/faults/meteor', {}, 404, 'fault'],
  ];
  for (const [path, body, status, field] of cases) {
    const r = await admin(backend.url, 'POST', path, body);
    expect([path, r.status, r.json.field]).toEqual([path, status, field]);
  }
  expect((await admin(backend.url, 'DELETE', '/admin/faults/cpu')).status).toBe(409);
  expect((await admin(backend.url, 'POST', '/admin/cache', { enabled: 'yes' })).json).toMatchObject({
    code: 'BAD_REQUEST',
    field: 'enabled',
  });
  expect((await admin(backend.url, 'GET', '/admin/faults')).json.active).toEqual([]);
});

test('exemplars on the latency histogram carry the trace id of the request', async () => {
  const traceId = 'abcdef0123456789abcdef0123456789';
  const res = await fetch(`${backend.url}/api/orders/42`, {
    headers: { traceparent: `00-${traceId}-0123456789abcdef-01` },
  });
  expect(res.status).toBe(200);
  const metrics = await (await fetch(`${backend.url}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        l.startsWith('http_request_duration_seconds_bucket') &&
        l.includes('route="/api/orders/:id"') &&
        l.includes(traceId),
    );
  expect(line).toMatch(new RegExp(`# \\{trace_id="${traceId}"\\} [0-9.e-]+ [0-9.]+$`));
});

test('crash: the process exits non-zero, leaves no fault files, and Prometheus sees the target down', async () => {
  const victimScratch = makeTempDir('demo-victim-scratch');
  const victim = await startService('backend', ['--service', 'payments', '--scratch-dir', victimScratch]);
  const p = await startPrometheus({ scrapeTargets: [{ job: 'crash', targets: [hostPort(victim.url)] }] });
  try {
    await waitForValue(p, 'up{job="crash"}', (v) => v === 1);
    await admin(victim.url, 'POST', '/admin/faults/disk', { mbPerSecond: 20, maxMb: 5 });
    await waitFor('disk fault files', () => readdirSync(victimScratch).length === 1);
    const t0 = Date.now();
    const { status, json } = await admin(victim.url, 'POST', '/admin/faults/crash', { exitCode: 3 });
    expect(status).toBe(201);
    expect(json.startedAt as number).toBeGreaterThanOrEqual(t0);
    expect(await victim.exited).toBe(3);
    expect(readdirSync(victimScratch)).toEqual([]); // the disk fault's files went with the process
    await waitForValue(p, 'up{job="crash"}', (v) => v === 0);
    await expect(
      drive(`${victim.url}/api/payments`, { ms: 300, concurrency: 1, maxRequests: 3 }),
    ).resolves.toMatchObject({ errors: 3 });
  } finally {
    await p.stop({ removeDir: true });
    await victim.stop({ removeDir: true });
    rmSync(victimScratch, { recursive: true, force: true });
  }
});
