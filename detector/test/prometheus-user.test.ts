import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { parse } from 'yaml';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { freePort, makeTempDir, startPrometheus, waitFor, type PrometheusDaemon } from '@homeostat/testkit';
import type { EntitiesResponse } from '@homeostat/contracts';
import { parseConfig } from '../src/service/config';
import { entityFilter } from '../src/service/live-loop';
import { DetectorService } from '../src/service/detector-service';
import { jsonClient } from './helpers/http';

// the REST API as the Grafana datasource calls it: with a reader token
const READER_TOKEN = 'reader-token-for-tests';
const { getJson } = jsonClient({ authorization: `Bearer ${READER_TOKEN}` });

/**
 * What a user's Prometheus does to the detector, on a real Prometheus 2.42 (1 s scrape) that
 * scrapes an app instrumented like the demo fleet (prom-client: the code="5xx" series exists only
 * after the first error) and the detector itself, with the shipped alert rules loaded:
 * - the shipped demo-fleet queries and missing-feature policy score every service within one
 *   training window of start-up, including one that never returned an error; the old `A / B` ratio
 *   never scores it, and the dropped-steps counter says why;
 * - entities grouped by `instance` keep the app's instance through the scrape, with and without
 *   honor_labels, and the rules' per-entity series carry it;
 * - per-detector health series, zero error series, and /readyz = serving before any model is warm.
 */
jest.setTimeout(240_000);

const WINDOW_S = 60;
const root = join(__dirname, '..', '..');

/** The demo's metric names and labels (demo/src/metrics.ts); `quiet` never fails. */
function startApp(): Promise<{ server: Server; hostPort: string; stop: () => void }> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'requests',
    labelNames: ['service', 'method', 'route', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'latency',
    labelNames: ['service', 'method', 'route', 'code'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const cpu = new Counter({
    name: 'process_cpu_seconds_total',
    help: 'cpu',
    labelNames: ['service'] as const,
    registers: [registry],
  });
  const mem = new Gauge({
    name: 'process_resident_memory_bytes',
    help: 'rss',
    labelNames: ['service'] as const,
    registers: [registry],
  });
  let i = 0;
  const tick = setInterval(() => {
    i++;
    for (const [n, service] of ['busy', 'quiet'].entries()) {
      const k = 5 + ((i * (n + 3)) % 7);
      for (let r = 0; r < k; r++) {
        const code = service === 'busy' && (i + r) % 9 === 0 ? '503' : '200';
        requests.inc({ service, method: 'GET', route: '/x', code });
        duration.observe({ service, method: 'GET', route: '/x', code }, 0.02 + 0.01 * ((i + r + n) % 5));
      }
      cpu.inc({ service }, 0.05 + 0.01 * ((i + n) % 4));
      mem.set({ service }, 5e7 + 1e5 * ((i * 3 + n) % 11));
    }
  }, 200);
  const server = createServer((req, res) => {
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (e: Error) => res.writeHead(500).end(e.message),
    );
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () =>
      ok({
        server,
        hostPort: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        stop: () => clearInterval(tick),
      }),
    ),
  );
}

let app: Awaited<ReturnType<typeof startApp>>;
let prom: PrometheusDaemon;
let service: DetectorService;
let url: string;
let startedAt: number;

const example = parse(readFileSync(join(root, 'detector', 'examples', 'demo-fleet.yml'), 'utf8')) as {
  detectors: { queries: Record<string, string>; missing: Record<string, string> }[];
};
const shipped = example.detectors[0];
/** Short windows so a test sees a whole training window; every other setting is the example's. */
const fast = {
  intervalSeconds: 1,
  trainingWindowSeconds: WINDOW_S,
  refitIntervalSeconds: 20,
  queryDelaySeconds: 1,
  pipeline: {
    warmupPoints: 15,
    zWindowPoints: 8,
    robustZPoints: 20,
    likelihood: { minPoints: 10, longPoints: 60 },
    seasonal: { periodSeconds: 0 },
    rangeRule: { minPoints: 30 },
  },
};

beforeAll(async () => {
  app = await startApp();
  const port = await freePort();
  const rules = readFileSync(join(root, 'provisioning', 'prometheus', 'rules', 'homeostat.yml'), 'utf8');
  prom = await startPrometheus({
    scrapeTargets: [
      { job: 'demo', targets: [app.hostPort] },
      // the detector, as Prometheus scrapes it by default and with honor_labels
      { job: 'homeostat', targets: [`127.0.0.1:${port}`] },
      { job: 'homeostat-honor', targets: [`127.0.0.1:${port}`], honorLabels: true },
    ],
    ruleFiles: [{ name: 'homeostat.yml', content: rules }],
    scrapeIntervalSeconds: 1,
  });
  const config = parseConfig({
    prometheus: {
      url: prom.url,
      timeoutSeconds: 2,
      retries: { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 },
    },
    server: { port },
    dataDir: makeTempDir('detector-user'),
    logLevel: 'warn',
    auth: { readerTokens: [{ value: READER_TOKEN }] },
    detectors: [
      { name: 'fleet', groupBy: ['service'], ...fast, queries: shipped.queries, missing: shipped.missing },
      {
        // the ratio as the examples wrote it before: empty for a service without a 5xx series
        name: 'naive',
        groupBy: ['service'],
        ...fast,
        queries: {
          cpu: shipped.queries.cpu,
          error_ratio:
            'sum by (service) (rate(http_requests_total{job="demo",code=~"5.."}[1m])) / sum by (service) (rate(http_requests_total{job="demo"}[1m]))',
        },
      },
      // the job shortcut: one entity per `instance` of the scrape job
      { job: 'demo', ...fast, scrapeIntervalSeconds: 1 },
    ],
  });
  service = new DetectorService(config, { logger: pino({ level: 'warn' }) });
  startedAt = Date.now();
  url = await service.start();
});

afterAll(async () => {
  await service?.stop().catch(() => undefined);
  await prom?.stop({ removeDir: true });
  app?.stop();
  await new Promise((r) => app?.server.close(r));
});

async function entities(detector: string): Promise<EntitiesResponse['entities']> {
  return (await getJson<EntitiesResponse>(`${url}/api/v1/entities?detector=${detector}`)).body.entities;
}

test('/readyz means serving: 200 while no model is warm yet', async () => {
  const r = await getJson<{ ready: boolean; modelsWarm: boolean }>(`${url}/readyz`);
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ ready: true, modelsWarm: false });
});

test('the shipped demo-fleet queries score every service within one training window, including one that never failed', async () => {
  const scored = await waitFor(
    'busy and quiet scored',
    async () => {
      const list = await entities('fleet');
      return (
        ['busy', 'quiet'].every((s) => list.some((e) => e.labels.service === s && e.lastScore !== null)) &&
        list
      );
    },
    { timeoutMs: (WINDOW_S + 60) * 1000, intervalMs: 500 },
  );
  expect(scored.map((e) => e.labels.service).sort()).toEqual(['busy', 'quiet']);
  // One training window from start-up, plus the cycle and scrape delays of a 1 s loop.
  expect(Date.now() - startedAt).toBeLessThan((WINDOW_S + 10) * 1000);
});

test('the A / B ratio never scores the quiet service; homeostat_detector_dropped_steps_total says why', async () => {
  // the same detector scores the service that has failed, so it is the quiet one's empty ratio that blocks
  const naive = await waitFor(
    'naive scores busy',
    async () => {
      const list = await entities('naive');
      return list.some((e) => e.labels.service === 'busy' && e.lastScore !== null) && list;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  expect(naive.find((e) => e.labels.service === 'quiet')?.lastScore ?? null).toBeNull();
  const text = await (await fetch(`${url}/metrics`)).text();
  const dropped = (d: string, s: string, reason: string) =>
    Number(
      new RegExp(
        `homeostat_detector_dropped_steps_total\\{detector="${d}",service="${s}"[^}]*reason="${reason}"\\} (\\d+)`,
      ).exec(text)?.[1] ?? 0,
    );
  expect(dropped('naive', 'quiet', 'missing_feature')).toBeGreaterThan(10);
  // with the robust ratio and the policy: at most the first steps, before a rate has two samples
  expect(dropped('fleet', 'quiet', 'missing_feature')).toBeLessThan(10);
  // And Prometheus has it, per entity, for a rule or a dashboard.
  const r = await waitFor('dropped steps in Prometheus', async () => {
    const x = await prom.query(
      'homeostat_detector_dropped_steps_total{job="homeostat",detector="naive",service="quiet",reason="missing_feature"}',
    );
    return x.length === 1 && x;
  });
  expect(Number(r[0].value[1])).toBeGreaterThan(0);
});

test('health series are per detector, and the error counter has its zero series before any error', async () => {
  const up = await waitFor('query_api_up of every detector', async () => {
    const x = await prom.query('homeostat_detector_query_api_up{job="homeostat"}');
    return x.length === 3 && x;
  });
  expect(up.map((s) => [s.metric.detector, s.value[1]]).sort()).toEqual([
    ['demo', '1'],
    ['fleet', '1'],
    ['naive', '1'],
  ]);
  const interval = await prom.query('homeostat_detector_interval_seconds{job="homeostat"}');
  expect(interval.map((s) => s.metric.detector).sort()).toEqual(['demo', 'fleet', 'naive']);
  const errors = await prom.query(
    'homeostat_detector_query_errors_total{job="homeostat",endpoint="/api/v1/query_range",kind="http_5xx"}',
  );
  expect(errors.map((s) => s.value[1])).toEqual(['0']);
  // The detector is up and cycling: none of its own alerts fire.
  const alerts = await prom.query('ALERTS{alertname=~"HomeostatDetector.*"}');
  expect(alerts).toEqual([]);
});

test("a new entity's history query (the live loop's entity filter) selects that entity only, on the real PromQL engine", async () => {
  const q = `(${shipped.queries.request_rate}) and on (service) ${entityFilter(['service'], [{ service: 'quiet' }])}`;
  const r = await waitFor('the filtered query', async () => {
    const x = await prom.query(q);
    return x.length > 0 && x;
  });
  expect(r.map((s) => s.metric)).toEqual([{ service: 'quiet' }]);
});

test('entities grouped by instance keep the app instance through the scrape, with and without honor_labels', async () => {
  const raw = await waitFor('instance entity scores in Prometheus', async () => {
    const x = await prom.query('homeostat_anomaly_score{detector="demo"}');
    return x.length === 2 && x;
  });
  for (const s of raw) {
    // the detector's own target labels stay the detector's; the entity's instance is exported_instance
    expect(s.metric.exported_instance).toBe(app.hostPort);
    expect(s.metric.instance).not.toBe(app.hostPort);
  }
  expect(raw.map((s) => s.metric.job).sort()).toEqual(['homeostat', 'homeostat-honor']);
  // The rules' per-entity series: (detector, entity labels) only, the entity's instance restored.
  const entity = await waitFor('entity:homeostat_anomaly_score:max', async () => {
    const x = await prom.query('entity:homeostat_anomaly_score:max{detector="demo"}');
    return x.length > 0 && x;
  });
  expect(entity.map(({ metric: { __name__: _, ...labels } }) => labels)).toEqual([
    { detector: 'demo', instance: app.hostPort },
  ]);
  // and the job shortcut's cpu rate exists (its window is 4 scrape intervals)
  const list = await entities('demo');
  expect(list.map((e) => e.labels)).toEqual([{ instance: app.hostPort }]);
});
