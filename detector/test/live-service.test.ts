import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { makeTempDir, startPrometheus, waitFor, type PrometheusDaemon } from '@homeostat/testkit';
import type {
  DetectorsResponse,
  EntitiesResponse,
  EventsResponse,
  ScoreResponse,
} from '@homeostat/contracts';
import { parseConfig, type ServiceConfig } from '../src/service/config';
import { DetectorService } from '../src/service/detector-service';
import { startFleet, type Fleet } from './helpers/fleet';
import { jsonClient } from './helpers/http';

// the REST API as the Grafana datasource calls it: with a reader token
const READER_TOKEN = 'reader-token-for-tests';
const { getJson, postJson } = jsonClient({ authorization: `Bearer ${READER_TOKEN}` });

/**
 * The detection service end to end on real parts: a real Prometheus (1 s scrape) scrapes a real
 * instrumented process whose CPU/latency the test controls; the detector reads Prometheus, scores,
 * exports, serves the REST API and survives Prometheus going away. Steps share one fleet and run in
 * order (each needs the warm state of the one before).
 */
jest.setTimeout(240_000);

const SERVICES = ['orders', 'payments', 'inventory', 'gateway'];
const INTERVAL = 1;

let fleet: Fleet;
let prom: PrometheusDaemon;
let service: DetectorService;
let url: string;
let dataDir: string;
/** Live scores seen through the API: `${key}@${ts}` -> score. */
const live = new Map<string, number | null>();
let poller: NodeJS.Timeout | undefined;

function config(promUrl: string): ServiceConfig {
  return parseConfig({
    prometheus: {
      url: promUrl,
      timeoutSeconds: 2,
      retries: { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 },
    },
    server: { port: 0 },
    dataDir,
    logLevel: 'warn',
    auth: { readerTokens: [{ value: READER_TOKEN }] },
    detectors: [
      {
        name: 'fleet',
        groupBy: ['service'],
        intervalSeconds: INTERVAL,
        trainingWindowSeconds: 120,
        refitIntervalSeconds: 20,
        queryDelaySeconds: 1,
        forgetAfterSeconds: 6,
        // Small windows score on a compressed scale; a higher sensitivity keeps a 3x shift clearly above 1.
        sensitivity: 2,
        // A two-minute window: the likelihood gets 30 points of history instead of 300, the range
        // rule arms after 100 points instead of 1000.
        pipeline: { likelihood: { minPoints: 30 }, rangeRule: { minPoints: 100 } },
        // The gateway calls the three backends: an anomaly there and in a backend has the backend as cause.
        rootCause: { dependencies: { gateway: ['orders', 'payments', 'inventory'] } },
        queries: {
          cpu: 'sum by (service) (fleet_cpu_usage_ratio{job="fleet"})',
          latency: 'max by (service) (fleet_latency_p95_seconds{job="fleet"})',
        },
      },
    ],
  });
}

async function startService(): Promise<void> {
  service = new DetectorService(config(prom.url), {
    logger: pino({ level: 'warn' }),
    persistIntervalMs: 2000,
  });
  url = await service.start();
}

async function entities(): Promise<EntitiesResponse['entities']> {
  return (await getJson<EntitiesResponse>(`${url}/api/v1/entities?detector=fleet`)).body.entities;
}

function startPolling(): void {
  poller = setInterval(() => {
    entities().then(
      (list) => {
        list.forEach((e) => e.lastScoredAt !== null && live.set(`${e.key}@${e.lastScoredAt}`, e.lastScore));
      },
      () => undefined,
    );
  }, 250);
}

function scoresOf(service: string, fromMs: number, toMs = Infinity): number[] {
  const key = `service="${service}"`;
  const out: number[] = [];
  for (const [k, v] of live) {
    const [kk, ts] = k.split('@');
    if (kk === key && Number(ts) >= fromMs && Number(ts) <= toMs && v !== null) out.push(v);
  }
  return out;
}

async function scoreOf(name: string): Promise<number | null> {
  return (await entities()).find((e) => e.labels.service === name)?.lastScore ?? null;
}

beforeAll(async () => {
  dataDir = makeTempDir('detector-data');
  fleet = await startFleet(SERVICES);
  prom = await startPrometheus({
    scrapeTargets: [{ job: 'fleet', targets: [fleet.hostPort] }],
    scrapeIntervalSeconds: 1,
  });
  await startService();
  startPolling();
});

afterAll(async () => {
  if (poller) clearInterval(poller);
  await service?.stop().catch(() => undefined);
  await prom?.stop({ removeDir: true });
  await fleet?.close();
});

test('is ready (serving) before its models are warm, and exports scores for every entity on /metrics once they are', async () => {
  // Readiness means "serving": the query API answers; warm models are reported, not required.
  const early = await getJson<{ ready: boolean; modelsWarm: boolean }>(`${url}/readyz`);
  expect(early.status).toBe(200);
  expect(early.body.modelsWarm).toBe(false);
  expect((await getJson(`${url}/healthz`)).status).toBe(200);

  await waitFor(
    'models warm',
    async () => (await getJson<{ modelsWarm: boolean }>(`${url}/readyz`)).body.modelsWarm,
    { timeoutMs: 180_000, intervalMs: 500 },
  );
  const text = await waitFor('scores of all services on /metrics', async () => {
    const t = await (await fetch(`${url}/metrics`)).text();
    return SERVICES.every((s) => t.includes(`homeostat_anomaly_score{detector="fleet",service="${s}"}`)) && t;
  });
  expect(text).toMatch(/homeostat_anomaly\{detector="fleet",service="orders"\} [01]/);
  expect(text).toMatch(/homeostat_feature_contribution\{detector="fleet",service="orders",feature="cpu"\}/);
  expect(text).toMatch(/homeostat_detector_cycle_duration_seconds_bucket/);
  expect(text).toMatch(/homeostat_detector_entities\{detector="fleet",state="warm"\} 4/);

  // The exposition passes promtool's lint (names, units, _total on counters).
  const file = join(makeTempDir('metrics'), 'metrics.txt');
  writeFileSync(file, text);
  const lint = execFileSync('sh', ['-c', `promtool check metrics < ${file} 2>&1; echo rc=$?`]).toString();
  expect(lint.trim()).toBe('rc=0');
});

test('an injected CPU anomaly lifts that entity above 1 within a few intervals, others stay below, and it falls back', async () => {
  // A quiet stretch first, for the baseline of the other entities.
  await new Promise((r) => setTimeout(r, 5000));
  const injectedAt = Date.now();
  fleet.inject('orders', { cpu: 3, latency: 2.5 });
  await waitFor('orders score > 1', async () => ((await scoreOf('orders')) ?? 0) > 1, {
    timeoutMs: 8 * INTERVAL * 1000 + 4000,
    intervalMs: 200,
  });
  const detectedAfterMs = Date.now() - injectedAt;
  // The incident's root-cause verdict is its own series on /metrics: orders ranked first.
  const verdict = await waitFor(
    'root cause on /metrics',
    async () => {
      const t = await (await fetch(`${url}/metrics`)).text();
      return t.split('\n').find((l) => l.startsWith('homeostat_root_cause{') && l.includes('rank="1"'));
    },
    { timeoutMs: 10_000, intervalMs: 200 },
  );
  expect(verdict).toMatch(/detector="fleet"/);
  expect(verdict).toMatch(/entity="orders"/);
  expect(verdict).toMatch(/service="orders"/);
  expect(verdict).toMatch(/incident="fleet:\d{4}-/);
  await new Promise((r) => setTimeout(r, 6000));
  fleet.inject('orders', null);
  const clearedAt = Date.now();
  await waitFor('orders score back below 1', async () => ((await scoreOf('orders')) ?? 9) < 1, {
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  await new Promise((r) => setTimeout(r, 3000));

  const during = scoresOf('orders', injectedAt + detectedAfterMs, clearedAt);
  expect(during.length).toBeGreaterThan(3);
  expect(Math.max(...during)).toBeGreaterThan(1.2);
  for (const other of SERVICES.filter((s) => s !== 'orders')) {
    const theirs = scoresOf(other, injectedAt, clearedAt);
    expect(theirs.length).toBeGreaterThan(3);
    // What a user would see: no sustained anomaly on the healthy services (an alert needs `for`).
    const above = theirs.filter((s) => s > 1).length;
    expect(above / theirs.length).toBeLessThan(0.25);
  }

  // The anomaly was recorded as an event, with the features that drove it.
  const ev = await getJson<EventsResponse>(
    `${url}/api/v1/events?from=${injectedAt - 5000}&to=${Date.now()}&detector=fleet&key=${encodeURIComponent('service="orders"')}`,
  );
  expect(ev.status).toBe(200);
  expect(ev.body.events.length).toBeGreaterThanOrEqual(1);
  const main = ev.body.events.reduce((a, b) => (b.peakScore > a.peakScore ? b : a));
  expect(main.peakScore).toBeGreaterThan(1.2);
  expect(main.labels).toEqual({ service: 'orders' });
  expect(main.topFeatures.length).toBeGreaterThan(0);
});

/**
 * What a dashboard panel asks for: the configured detector over "the last N seconds" (a range that
 * starts anywhere, not where the live models started), at the detector's own interval, which the
 * datasource plugin sends (datasource.ts `detectorStep`).
 */
async function panelReplay(from: number, to: number): Promise<ScoreResponse> {
  const res = await postJson<ScoreResponse>(`${url}/api/v1/score`, {
    detector: 'fleet',
    from,
    to,
    stepSeconds: INTERVAL,
  });
  expect(res.status).toBe(200);
  return res.body;
}

/** Every live score seen in [from, to] against the panel's: [compared, differing "key@t a≠b"]. */
function compareWithLive(res: ScoreResponse, from: number, to: number): [number, string[]] {
  const byPoint = new Map<string, number | null>();
  for (const s of res.series) s.timestamps.forEach((t, i) => byPoint.set(`${s.key}@${t}`, s.scores[i]));
  let compared = 0;
  const differ: string[] = [];
  for (const [k, a] of live) {
    const t = Number(k.split('@')[1]);
    if (t < from || t > to) continue;
    compared++;
    const b = byPoint.get(k);
    if (b !== a) differ.push(`${k} live ${a} panel ${b}`);
  }
  return [compared, differ];
}

test('a panel over any part of the live range shows exactly the live scores', async () => {
  const det = (await getJson<DetectorsResponse>(`${url}/api/v1/detectors`)).body.detectors[0];
  expect(det.name).toBe('fleet');
  expect(det.liveSince).toEqual(expect.any(Number));
  const liveSince = det.liveSince as number;
  const to = Date.now();
  // Off the step grid and well after the live models started, like Grafana's "last 45 s".
  const from = Math.max(liveSince + 20_321, to - 45_000);
  const res = await panelReplay(from, to);
  expect(res.series.map((s) => s.labels.service).sort()).toEqual([...SERVICES].sort());
  const [compared, differ] = compareWithLive(res, from, to);
  expect(compared).toBeGreaterThan(40);
  expect(differ).toEqual([]);

  // The whole live range too, where the orders anomaly shows.
  const all = await panelReplay(liveSince, to);
  const [comparedAll, differAll] = compareWithLive(all, liveSince, to);
  expect(comparedAll).toBeGreaterThanOrEqual(compared);
  expect(differAll).toEqual([]);
  const orders = all.series.find((s) => s.labels.service === 'orders');
  expect(orders?.anomalies.some(Boolean)).toBe(true);
  expect(orders?.features.cpu.length).toBe(orders?.timestamps.length);
});

test('ad-hoc PromQL replay scores each series of the expression', async () => {
  const to = Date.now() - 2000;
  const res = await postJson<ScoreResponse>(`${url}/api/v1/score`, {
    query: 'fleet_cpu_usage_ratio{job="fleet"}',
    groupBy: ['service'],
    from: to - 30_000,
    to,
    stepSeconds: 1,
    match: { service: 'payments' },
  });
  expect(res.status).toBe(200);
  expect(res.body.threshold).toBe(1);
  expect(res.body.series).toHaveLength(1);
  expect(res.body.series[0].labels).toEqual({ service: 'payments' });
  expect(res.body.series[0].features.value.length).toBeGreaterThan(20);
});

// Runs before the Prometheus restart below: after a restart Prometheus 2.42 did not always write the stale
// marker of a vanished series, so lookback kept returning its last value (see the report / README).
test('follows series churn: a vanished entity is dropped with its gauges, a new one is picked up', async () => {
  fleet.setServices(['orders', 'payments', 'inventory', 'search']);
  const list = await waitFor(
    'gateway dropped and search followed',
    async () => {
      const l = await entities();
      const names = l.map((e) => e.labels.service);
      if (names.includes('gateway') || !names.includes('search')) {
        const g = service.registry.entities('fleet').get('service="gateway"');
        throw new Error(
          `entities now: ${names.join(', ')}; gateway last seen ${g ? Date.now() - g.lastSeenAt : '-'} ms ago; last cycle error: ${service.loop.lastError}`,
        );
      }
      return l;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  expect(list.map((e) => e.labels.service).sort()).toEqual(['inventory', 'orders', 'payments', 'search']);
  const text = await (await fetch(`${url}/metrics`)).text();
  expect(text).not.toContain('service="gateway"');
  expect(text).toMatch(/homeostat_detector_entities\{detector="fleet",state="warm"\} 3/);
  // The others keep scoring through the churn.
  expect((await getJson(`${url}/readyz`)).status).toBe(200);
});

test('killing Prometheus makes readiness false without a crash; gauges go stale; it recovers when Prometheus returns', async () => {
  const port = prom.port;
  const dir = prom.dir;
  await prom.stop();
  const r = await waitFor(
    'readyz 503',
    async () => {
      const x = await getJson<{ ready: boolean; queryApi: boolean; reason?: string }>(`${url}/readyz`);
      return x.status === 503 && x.body;
    },
    { timeoutMs: 20_000 },
  );
  expect(r.queryApi).toBe(false);
  expect(r.reason).toMatch(/query API/);
  expect((await getJson(`${url}/healthz`)).status).toBe(200);
  // No frozen scores: the score series leave /metrics once they are older than 3 intervals.
  const metrics = await waitFor(
    'scores withdrawn',
    async () => {
      const t = await (await fetch(`${url}/metrics`)).text();
      return !t.includes('homeostat_anomaly_score{') && t;
    },
    { timeoutMs: 15_000 },
  );
  expect(metrics).toMatch(/homeostat_detector_query_api_up\{detector="fleet"\} 0/);
  expect(metrics).toMatch(
    /homeostat_detector_query_errors_total\{endpoint="\/api\/v1\/query_range",kind="network"\} [1-9]/,
  );
  // The API still answers and says why the replay cannot run.
  const replay = await postJson<{ code: string }>(`${url}/api/v1/score`, {
    detector: 'fleet',
    from: Date.now() - 60_000,
    to: Date.now(),
    stepSeconds: 1,
  });
  expect(replay.status).toBe(503);
  expect(replay.body.code).toBe('UPSTREAM_ERROR');

  prom = await startPrometheus({
    scrapeTargets: [{ job: 'fleet', targets: [fleet.hostPort] }],
    scrapeIntervalSeconds: 1,
    port,
    dir,
  });
  await waitFor('readyz 200 again', async () => (await fetch(`${url}/readyz`)).status === 200, {
    timeoutMs: 30_000,
  });
  await waitFor(
    'fresh scores on /metrics again',
    async () =>
      (await (await fetch(`${url}/metrics`)).text()).includes(
        'homeostat_anomaly_score{detector="fleet",service="orders"}',
      ),
    {
      timeoutMs: 20_000,
    },
  );
});

test('a restart resumes the persisted models warm instead of learning again', async () => {
  const before = await entities();
  await service.stop();
  const restartedAt = Date.now();
  await startService();
  // Restored from the data dir: the entities are there and warm before Prometheus is even asked.
  const after = await entities();
  expect(after.map((e) => e.key).sort()).toEqual(before.map((e) => e.key).sort());
  // Every model that was warm before the restart is warm again at once, with its old fit time.
  for (const e of after) {
    const b = before.find((x) => x.key === e.key);
    expect(e.warm).toBe(b?.warm);
    if (b?.warm) expect(e.modelFittedAt).toBeLessThan(restartedAt);
  }
  expect(after.filter((e) => e.warm).length).toBeGreaterThanOrEqual(3);
  await waitFor('ready after restart', async () => (await fetch(`${url}/readyz`)).status === 200, {
    timeoutMs: 10_000,
  });
  // The anomaly event from before the restart is still served (SQLite).
  const ev = await getJson<EventsResponse>(`${url}/api/v1/events?from=0&to=${Date.now()}`);
  expect(ev.body.events.some((e) => e.labels.service === 'orders')).toBe(true);

  // A panel still shows the scores the live loop gave before the restart (its record is on disk),
  // and those it gives after.
  await new Promise((r) => setTimeout(r, 5000));
  const to = Date.now() - 1500;
  const from = restartedAt - 60_000;
  const [compared, differ] = compareWithLive(await panelReplay(from, to), from, to);
  expect(compared).toBeGreaterThan(40);
  expect(differ).toEqual([]);
});

describe('bad API input gets 400 {code, message, field}', () => {
  const now = Date.now();
  it.each([
    [
      'score without from',
      'POST',
      '/api/v1/score',
      { detector: 'fleet', to: now, stepSeconds: 1 },
      'INVALID_INPUT',
      'from',
    ],
    [
      'score with to before from',
      'POST',
      '/api/v1/score',
      { detector: 'fleet', from: now, to: now - 1000, stepSeconds: 1 },
      'INVALID_INPUT',
      'to',
    ],
    [
      'score with negative step',
      'POST',
      '/api/v1/score',
      { detector: 'fleet', from: now - 1000, to: now, stepSeconds: -1 },
      'INVALID_INPUT',
      'stepSeconds',
    ],
    [
      'score with detector and query',
      'POST',
      '/api/v1/score',
      { detector: 'fleet', query: 'up', from: now - 1000, to: now, stepSeconds: 1 },
      'INVALID_INPUT',
      'detector',
    ],
    [
      'score of an unknown detector',
      'POST',
      '/api/v1/score',
      { detector: 'nope', from: now - 1000, to: now, stepSeconds: 1 },
      'INVALID_INPUT',
      'detector',
    ],
    [
      'score with a string time',
      'POST',
      '/api/v1/score',
      { detector: 'fleet', from: 'yesterday', to: now, stepSeconds: 1 },
      'INVALID_INPUT',
      'from',
    ],
    [
      'score with times in Unix seconds (would be January 1970 as ms)',
      'POST',
      '/api/v1/score',
      { detector: 'fleet', from: Math.floor(now / 1000) - 60, to: Math.floor(now / 1000), stepSeconds: 1 },
      'INVALID_INPUT',
      'from',
    ],
    [
      'events with times in Unix seconds',
      'GET',
      `/api/v1/events?from=${Math.floor(now / 1000) - 60}&to=${now}`,
      undefined,
      'INVALID_INPUT',
      'from',
    ],
    [
      'score of PromQL Prometheus rejects',
      'POST',
      '/api/v1/score',
      { query: 'sum(', from: now - 10_000, to: now, stepSeconds: 1 },
      'INVALID_QUERY',
      'query',
    ],
    [
      'score of too many points',
      'POST',
      '/api/v1/score',
      { query: 'up', from: 0, to: now, stepSeconds: 1 },
      'INVALID_INPUT',
      'stepSeconds',
    ],
    ['events without to', 'GET', '/api/v1/events?from=0', undefined, 'INVALID_INPUT', 'to'],
    [
      'events with a non-numeric from',
      'GET',
      '/api/v1/events?from=abc&to=5',
      undefined,
      'INVALID_INPUT',
      'from',
    ],
    [
      'entities of an unknown detector',
      'GET',
      '/api/v1/entities?detector=nope',
      undefined,
      'INVALID_INPUT',
      'detector',
    ],
  ])('%s', async (_name, method, path, body, code, field) => {
    const res =
      method === 'POST'
        ? await postJson<{ code: string; field?: string; message: string }>(`${url}${path}`, body)
        : await getJson<{ code: string; field?: string; message: string }>(`${url}${path}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(code);
    expect(res.body.field).toBe(field);
    expect(res.body.message.length).toBeGreaterThan(0);
  });

  it('malformed JSON is a 400 naming the body', async () => {
    const res = await postJson<{ code: string; field?: string }>(
      `${url}/api/v1/score`,
      undefined,
      '{"detector": ',
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_INPUT', field: 'body' });
  });

  it('unknown routes are a 404 with the error body', async () => {
    const res = await getJson<{ code: string }>(`${url}/api/v1/nope`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('serves its OpenAPI document', async () => {
    const res = await getJson<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    }>(`${url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/detectors',
        '/api/v1/entities',
        '/api/v1/score',
        '/api/v1/events',
        '/readyz',
      ]),
    );
    expect(res.body.components.schemas.ScoreRequest).toMatchObject({ type: 'object' });
  });
});
