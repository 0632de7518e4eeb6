import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { makeTempDir, startPrometheus, waitFor, type PrometheusDaemon } from '@homeostat/testkit';
import { parseConfig, type ServiceConfig } from '../../src/service/config';
import { DetectorService } from '../../src/service/detector-service';
import { PrometheusClient } from '../../src/service/prometheus-client';
import { backfill } from './backfill';

/**
 * `npm run bench:detector` — the detection service against a real Prometheus (not a test):
 *  (a) live cycle time and RSS for 1k and 10k entities x 5 features fed by a synthetic exporter,
 *      and how both grow between the sizes (goal: 10k entities inside a 15 s interval, RSS < 1 GiB);
 *  (b) REST replay (POST /api/v1/score) of 24 h at 15 s for 50 series, p50/p95, next to the bare
 *      Prometheus query_range of the same data as the reference (goal: p95 < 250 ms).
 * The live part scrapes every second and scores at a 1 s interval so models warm in seconds; a
 * cycle's cost is per step of all entities, the same work a 15 s interval does once per interval.
 */
const log = pino({ level: 'warn' });
const FEATURES = ['a', 'b', 'c', 'd', 'e'];

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const mib = (bytes: number) => bytes / 1024 / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startExporter(entities: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(__dirname, 'synthetic-exporter.js'), String(entities), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (c) => reject(new Error(`exporter exited ${c}`)));
  });
  return { child, port };
}

interface LiveResult {
  entities: number;
  firstCycleSeconds: number;
  cycleP50: number;
  cycleMax: number;
  refitCycleSeconds: number | null;
  rssMiB: number;
}

async function live(entities: number): Promise<LiveResult> {
  const exporter = await startExporter(entities);
  const prom = await startPrometheus({ scrapeTargets: [{ job: 'bench', targets: [`127.0.0.1:${exporter.port}`] }], scrapeIntervalSeconds: 1 });
  const dataDir = makeTempDir('bench-detector');
  const config: ServiceConfig = parseConfig({
    prometheus: { url: prom.url, timeoutSeconds: 60 },
    server: { port: 0 },
    dataDir,
    detectors: [
      {
        name: 'bench',
        groupBy: ['entity'],
        intervalSeconds: 1,
        trainingWindowSeconds: 40,
        refitIntervalSeconds: 20,
        queryDelaySeconds: 1,
        queries: Object.fromEntries(FEATURES.map((f) => [f, `sum by (entity) (bench_metric_${f}{job="bench"})`])),
      },
    ],
  });
  const service = new DetectorService(config, { logger: log, persistIntervalMs: 3_600_000 });
  const d = config.detectors[0];
  try {
    // Enough history for the first cycle to warm every model (warm-up is half the 40-point window).
    await waitFor('30 s of scraped history', async () => {
      const r = await prom.query('count(count_over_time(bench_metric_a[1m]) >= 30)');
      return r.length > 0 && Number(r[0].value[1]) >= entities;
    }, { timeoutMs: 120_000, intervalMs: 1000 });
    let t0 = performance.now();
    await service.loop.runCycle(d);
    const firstCycleSeconds = (performance.now() - t0) / 1000;
    const counts = service.registry.entityCounts()[0];
    if (counts.warm + counts.cold !== entities) throw new Error(`expected ${entities} entities, got ${counts.warm + counts.cold}`);

    const durations: number[] = [];
    let refitCycleSeconds: number | null = null;
    const fittedAt = () => service.registry.entityCounts()[0].oldestModelAgeSeconds;
    for (let i = 0; i < 30 && (durations.length < 8 || refitCycleSeconds === null); i++) {
      // Start just after the next step is queryable, as the live loop's timer does.
      const now = Date.now();
      await sleep(Math.max(0, Math.ceil((now - 1000) / 1000) * 1000 + 1000 + 50 - now));
      const ageBefore = fittedAt();
      t0 = performance.now();
      await service.loop.runCycle(d);
      const s = (performance.now() - t0) / 1000;
      const ageAfter = fittedAt();
      if (ageBefore !== null && ageAfter !== null && ageAfter < ageBefore) refitCycleSeconds = s;
      else durations.push(s);
    }
    if (service.loop.queryApiUp !== true) throw new Error(`cycles failed: ${service.loop.lastError}`);
    return {
      entities,
      firstCycleSeconds,
      cycleP50: percentile(durations, 50),
      cycleMax: Math.max(...durations),
      refitCycleSeconds,
      rssMiB: mib(process.memoryUsage().rss),
    };
  } finally {
    await service.stop();
    await prom.stop({ removeDir: true });
    exporter.child.kill('SIGTERM');
  }
}

async function replayBench(): Promise<{ p50: number; p95: number; refP50: number; points: number }> {
  const dir = makeTempDir('bench-replay');
  const SERIES = 50;
  const STEP = 15;
  const end = await backfill(dir, SERIES, 25, STEP);
  let prom: PrometheusDaemon | undefined;
  let service: DetectorService | undefined;
  try {
    prom = await startPrometheus({ dir });
    const config = parseConfig({
      prometheus: { url: prom.url, timeoutSeconds: 60 },
      server: { port: 0 },
      dataDir: join(dir, 'detector'),
      detectors: [{ name: 'replay', groupBy: ['entity'], intervalSeconds: STEP, trainingWindowSeconds: 3600, refitIntervalSeconds: 900, queries: { value: 'sum by (entity) (bench_replay_value)' } }],
    });
    service = new DetectorService(config, { logger: log });
    const url = await service.start();
    const from = end - 24 * 3600_000;
    const body = JSON.stringify({ detector: 'replay', from, to: end, stepSeconds: STEP });

    // Reference: the bare query_range of the same data (history window included), no scoring.
    const client = new PrometheusClient(config.prometheus);
    const ref: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const r = await client.queryRange(config.detectors[0].queries.value, from - 3600_000, end, STEP);
      ref.push(performance.now() - t0);
      if (r.length !== SERIES) throw new Error(`expected ${SERIES} series, got ${r.length}`);
    }
    const times: number[] = [];
    let points = 0;
    for (let i = 0; i < 11; i++) {
      const t0 = performance.now();
      const res = await fetch(`${url}/api/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = (await res.json()) as { series: { timestamps: number[] }[] };
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`replay failed: ${JSON.stringify(json)}`);
      if (i > 0) times.push(ms); // the first run warms the JIT
      points = json.series.reduce((n, s) => n + s.timestamps.length, 0);
    }
    return { p50: percentile(times, 50), p95: percentile(times, 95), refP50: percentile(ref.slice(1), 50), points };
  } finally {
    await service?.stop();
    await prom?.stop({ removeDir: true });
  }
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (s: string) => {
    process.stdout.write(`${s}\n`);
    lines.push(s);
  };
  say(`detector benchmark on ${process.version}, ${process.platform}; live scoring at 1 s steps, 5 features, 100 trees`);
  const small = await live(1000);
  say(`live 1k:  first cycle (fit all) ${small.firstCycleSeconds.toFixed(2)} s, steady cycle p50 ${small.cycleP50.toFixed(3)} s max ${small.cycleMax.toFixed(3)} s, refit cycle ${small.refitCycleSeconds?.toFixed(2) ?? 'n/a'} s, RSS ${small.rssMiB.toFixed(0)} MiB`);
  const large = await live(10_000);
  say(`live 10k: first cycle (fit all) ${large.firstCycleSeconds.toFixed(2)} s, steady cycle p50 ${large.cycleP50.toFixed(3)} s max ${large.cycleMax.toFixed(3)} s, refit cycle ${large.refitCycleSeconds?.toFixed(2) ?? 'n/a'} s, RSS ${large.rssMiB.toFixed(0)} MiB`);
  say(`growth 1k -> 10k (x10 entities): steady cycle x${(large.cycleP50 / small.cycleP50).toFixed(1)}, refit cycle x${large.refitCycleSeconds && small.refitCycleSeconds ? (large.refitCycleSeconds / small.refitCycleSeconds).toFixed(1) : 'n/a'}, RSS x${(large.rssMiB / small.rssMiB).toFixed(1)}`);
  const rep = await replayBench();
  say(`replay 24 h @ 15 s, 50 series (${rep.points} scored points, 1 h history each): p50 ${rep.p50.toFixed(0)} ms, p95 ${rep.p95.toFixed(0)} ms; bare query_range p50 ${rep.refP50.toFixed(0)} ms (replay/query x${(rep.p50 / rep.refP50).toFixed(1)})`);

  const worst10k = Math.max(large.cycleMax, large.refitCycleSeconds ?? 0);
  const target = (name: string, measured: string, goal: string, met: boolean) => say(`target ${name}: ${measured} (goal ${goal}) ${met ? 'met' : 'missed'}`);
  target('live-cycle-10k-entities', `${worst10k.toFixed(2)} s worst steady/refit cycle`, '< 15 s', worst10k < 15);
  target('live-rss-10k-entities', `${large.rssMiB.toFixed(0)} MiB`, '< 1024 MiB', large.rssMiB < 1024);
  target('replay-24h-50-series-p95', `${rep.p95.toFixed(0)} ms`, '< 250 ms', rep.p95 < 250);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:detector failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
