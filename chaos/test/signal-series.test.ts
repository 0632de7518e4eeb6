import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPrometheus, waitFor, type PrometheusDaemon } from '@homeostat/testkit';
import { signalByService, SIGNAL_STEP_MS } from '../src/campaign/signal-series';
import { PrometheusReader } from '../src/runner/prometheus-reader';

// A real Prometheus scrapes an exporter whose score goes from 0.2 to 3 at a known moment. The
// campaign's detection time is the first step of the signal read back; it must sit within one
// step of the scraped sample's own timestamp, whatever phase Prometheus scrapes at (at 1 s steps it
// sat up to a second after it, and the campaigns' MTTD carried that second).
let exporter: Server;
let prom: PrometheusDaemon;
let score = 0.2;

beforeAll(async () => {
  exporter = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE homeostat_anomaly_score gauge\nhomeostat_anomaly_score{service="orders"} ${score}\n`);
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const port = (exporter.address() as AddressInfo).port;
  prom = await startPrometheus({ scrapeTargets: [{ job: 'homeostat', targets: [`127.0.0.1:${port}`] }] });
}, 60_000);

afterAll(async () => {
  await prom?.stop();
  await new Promise((r) => exporter?.close(r));
});

it('a detection counts within one step of the sample that shows it', async () => {
  await waitFor(
    'first scrapes',
    async () => (await prom.query('count_over_time(homeostat_anomaly_score[1m]) >= 3')).length > 0,
    {
      timeoutMs: 30_000,
    },
  );
  const from = Date.now();
  score = 3;
  await waitFor(
    'the raised score scraped',
    async () => (await prom.query('homeostat_anomaly_score > 1')).length > 0,
    {
      timeoutMs: 30_000,
    },
  );
  await new Promise((r) => setTimeout(r, 1500));
  const to = Date.now();
  // the raw samples with their scrape timestamps
  const raw = await prom.query(`homeostat_anomaly_score[${Math.ceil((to - from) / 1000) + 5}s]`);
  const samples = (raw[0] as unknown as { values: [number, string][] }).values;
  const sampledAt = samples
    .map(([t, v]) => [Math.round(t * 1000), Number(v)] as const)
    .find(([t, v]) => t >= from && v > 1)![0];

  const errors: string[] = [];
  const signal = await signalByService(
    new PrometheusReader(prom.url),
    'max by (service) (homeostat_anomaly_score)',
    from,
    to,
    1,
    errors,
  );
  expect(errors).toEqual([]);
  const points = signal.orders;
  expect(points.length).toBeGreaterThan(10);
  const detectedAt = points.find((p) => p.anomalous === true)!.t;
  expect(detectedAt).toBeGreaterThanOrEqual(sampledAt);
  expect(detectedAt - sampledAt).toBeLessThan(SIGNAL_STEP_MS);
  // before the raised sample, the signal reads the old score: not anomalous, and no gap
  expect(points.filter((p) => p.t < sampledAt).every((p) => p.anomalous === false)).toBe(true);
}, 90_000);
