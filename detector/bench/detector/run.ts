import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { makeTempDir, startPrometheus, waitFor, type PrometheusDaemon } from '@homeostat/testkit';
import { parseConfig, type ServiceConfig } from '../../src/service/config';
import { DetectorService } from '../../src/service/detector-service';
import { PrometheusClient } from '../../src/service/prometheus-client';
import { entityKey } from '../../src/service/feature-frame';
import { engineModels } from '../../src/service/model-factory';
import { ReplayCache } from '../../src/service/replay-cache';
import { backfill } from './backfill';

const BENCH_READER_TOKEN = 'bench-reader-token';

/**
 * `npm run bench:detector` — the detection service against a real Prometheus (not a test):
 *  (a) live cycle time and RSS for 1k and 10k entities x 5 features fed by a synthetic exporter,
 *      and how both grow between the sizes (goal: 10k entities inside a 15 s interval, RSS < 1 GiB);
 *  (b) REST replay (POST /api/v1/score) of 24 h at 15 s for 50 series, p50/p95, next to the bare
 *      Prometheus query_range of the same data as the reference (goal: p95 < 250 ms).
 * The live part scrapes and scores every 5 s with the default window and refit counts, so a cycle
 * does the work a 15 s interval does once per interval: one step of every entity plus the refits due.
 */
const log = pino({ level: 'warn' });
const FEATURES = ['a', 'b', 'c', 'd', 'e'];
/** Measured replays (after one that warms the JIT); each is a full day of 50 series, so keep it small. */
const REPLAY_RUNS = Number(process.env.BENCH_REPLAY_RUNS ?? 5);
/** Refresh requests (cache kept, range one step later each time). */
const REFRESH_RUNS = Number(process.env.BENCH_REFRESH_RUNS ?? 20);
/** `node run.js live` or `node run.js replay` runs one part; both by default. */
const PART = process.argv[2] ?? 'all';
/** BENCH_SIZES=10000 skips the 1k run (10k always runs: it is the target). */
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const mib = (bytes: number) => bytes / 1024 / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startExporter(entities: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(__dirname, 'synthetic-exporter.js'), String(entities), '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (c) => reject(new Error(`exporter exited ${c}`)));
  });
  return { child, port };
}

interface LiveResult {
  entities: number;
  warmSeconds: number;
  cycleP50: number;
  cycleMax: number;
  /** Cycle time divided by the steps it covered (a slow cycle leaves more steps for the next). */
  perStepP50: number;
  perStepMax: number;
  stepsPerCycle: number;
  cycles: number;
  rssMiB: number;
}

/** Scrape and scoring step of the live part; the windows below are the defaults' sample counts. */
const STEP = 5;

async function live(entities: number): Promise<LiveResult> {
  const exporter = await startExporter(entities);
  const prom = await startPrometheus({
    scrapeTargets: [{ job: 'bench', targets: [`127.0.0.1:${exporter.port}`] }],
    scrapeIntervalSeconds: STEP,
  });
  const dataDir = makeTempDir('bench-detector');
  const config: ServiceConfig = parseConfig({
    prometheus: { url: prom.url, timeoutSeconds: 60 },
    server: { port: 0 },
    dataDir,
    detectors: [
      {
        name: 'bench',
        groupBy: ['entity'],
        intervalSeconds: STEP,
        // 240-point window and a refit every 60 points: the defaults' counts (1 h / 15 min at 15 s).
        trainingWindowSeconds: 240 * STEP,
        refitIntervalSeconds: 60 * STEP,
        queryDelaySeconds: 1,
        // The fleet-scale model profile (see README): 50 trees of 64 samples keep a model near 64 KB.
        trees: 50,
        sampleSize: 64,
        queries: Object.fromEntries(
          FEATURES.map((f) => [f, `sum by (entity) (bench_metric_${f}{job="bench"})`]),
        ),
      },
    ],
  });
  const service = new DetectorService(config, { logger: log, persistIntervalMs: 3_600_000 });
  const d = config.detectors[0];
  try {
    // Warm every model from a synthetic window of history (Prometheus would need 20 min to hold it),
    // so the cycles below run in steady state: one new step per entity plus the refits due.
    const t0 = performance.now();
    const stepMs = STEP * 1000;
    const last = Math.floor(Date.now() / stepMs) * stepMs - 2 * stepMs;
    const table = service.registry.entities(d.name);
    for (let i = 0; i < entities; i++) {
      const labels = { entity: `e${String(i).padStart(5, '0')}` };
      const key = entityKey(d.groupBy, labels);
      const model = engineModels.create(d, STEP, key);
      for (let j = 239; j >= 0; j--) {
        const t = last - j * stepMs;
        model.push(
          t,
          FEATURES.map((_, k) => (1 + k) * (1 + 0.2 * Math.sin(t / 20_000 + i)) + Math.random() * 0.05),
        );
      }
      table.set(key, {
        detector: d.name,
        key,
        labels,
        model,
        lastTimestamp: last,
        lastSeenAt: last,
        last: null,
      });
    }
    const warmSeconds = (performance.now() - t0) / 1000;
    await waitFor(
      'every entity scraped',
      async () => {
        const r = await prom.query('count(bench_metric_e)');
        return r.length > 0 && Number(r[0].value[1]) >= entities;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    await service.loop.runCycle(d); // catches up from the synthetic history to now

    const durations: number[] = [];
    const perStep: number[] = [];
    let steps = 0;
    const lastPushed = () => Math.max(...[...table.values()].slice(0, 50).map((e) => e.lastTimestamp ?? 0));
    for (let i = 0; i < 10; i++) {
      // Start just after the next step is queryable, as the live loop's timer does.
      const now = Date.now();
      await sleep(Math.max(0, (Math.floor((now - 1000) / stepMs) + 1) * stepMs + 1000 + 50 - now));
      const before = lastPushed();
      const c0 = performance.now();
      await service.loop.runCycle(d);
      const seconds = (performance.now() - c0) / 1000;
      if (service.loop.queryApiUp !== true) throw new Error(`cycle failed: ${service.loop.lastError}`);
      const covered = Math.max(1, Math.round((lastPushed() - before) / stepMs));
      durations.push(seconds);
      perStep.push(seconds / covered);
      steps += covered;
    }
    const counts = service.registry.entityCounts()[0];
    if (counts.warm !== entities)
      throw new Error(`expected ${entities} warm entities, got ${counts.warm} warm, ${counts.cold} cold`);
    return {
      entities,
      warmSeconds,
      cycleP50: percentile(durations, 50),
      cycleMax: Math.max(...durations),
      perStepP50: percentile(perStep, 50),
      perStepMax: Math.max(...perStep),
      stepsPerCycle: steps / durations.length,
      cycles: durations.length,
      rssMiB: mib(process.memoryUsage().rss),
    };
  } finally {
    await service.stop();
    await prom.stop({ removeDir: true });
    exporter.child.kill('SIGTERM');
  }
}

interface ReplayFigures {
  /** Cache cleared before each request: every point of every series is scored. */
  coldP50: number;
  coldP95: number;
  /** Grafana's "last 24 h" refresh: from and to move one step per request, the cache is kept. */
  refreshP50: number;
  refreshP95: number;
  refP50: number;
  points: number;
}

async function replayBench(): Promise<ReplayFigures> {
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
      // as the Grafana datasource calls it: with its reader token
      auth: { readerTokens: [{ value: BENCH_READER_TOKEN }] },
      detectors: [
        {
          name: 'replay',
          groupBy: ['entity'],
          intervalSeconds: STEP,
          trainingWindowSeconds: 3600,
          refitIntervalSeconds: 900,
          queries: { value: 'sum by (entity) (bench_replay_value)' },
        },
      ],
    });
    const cache = new ReplayCache();
    service = new DetectorService(config, { logger: log, replayCache: cache });
    const url = await service.start();
    // Replays anchor on the live models' start once there is one: wait for it, so that no
    // measured request is the first under the new anchor.
    const started = performance.now();
    while (!service.loop.liveSince.has('replay') && performance.now() - started < 60_000) await sleep(200);
    const from = end - 24 * 3600_000;
    const body = (shift: number) =>
      JSON.stringify({ detector: 'replay', from: from + shift, to: end + shift, stepSeconds: STEP });

    // Reference: the bare query_range of the same data (history window included), no scoring.
    const client = new PrometheusClient(config.prometheus);
    const ref: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const r = await client.queryRange(config.detectors[0].queries.value, from - 3600_000, end, STEP);
      ref.push(performance.now() - t0);
      if (r.length !== SERIES) throw new Error(`expected ${SERIES} series, got ${r.length}`);
    }
    let points = 0;
    const post = async (shift: number): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${url}/api/v1/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_READER_TOKEN}` },
        body: body(shift),
      });
      const json = (await res.json()) as { series: { timestamps: number[] }[] };
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`replay failed: ${JSON.stringify(json)}`);
      if (shift === 0) points = json.series.reduce((n, s) => n + s.timestamps.length, 0);
      return ms;
    };
    const cold: number[] = [];
    for (let i = 0; i < REPLAY_RUNS + 1; i++) {
      cache.clear();
      const ms = await post(0);
      if (i > 0) cold.push(ms); // the first run warms the JIT
    }
    // The panel refreshes every 15 s: each request's range is one step later than the last.
    const refresh: number[] = [];
    for (let i = 1; i <= REFRESH_RUNS; i++) refresh.push(await post(i * STEP * 1000));
    return {
      coldP50: percentile(cold, 50),
      coldP95: percentile(cold, 95),
      refreshP50: percentile(refresh, 50),
      refreshP95: percentile(refresh, 95),
      refP50: percentile(ref.slice(1), 50),
      points,
    };
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
  say(
    `detector benchmark on ${process.version}, ${process.platform}; live: ${STEP} s scrape and step, 5 features, 240-point windows, refit every 60 points, 50 trees x 64 samples`,
  );
  const fmt = (r: LiveResult) =>
    `warm-up from history ${r.warmSeconds.toFixed(1)} s, cycle p50 ${r.cycleP50.toFixed(3)} s max ${r.cycleMax.toFixed(3)} s over ${r.cycles} cycles ` +
    `(${r.stepsPerCycle.toFixed(1)} steps each; per step p50 ${r.perStepP50.toFixed(3)} s max ${r.perStepMax.toFixed(3)} s), RSS ${r.rssMiB.toFixed(0)} MiB`;
  const target = (name: string, measured: string, goal: string, met: boolean) =>
    say(`target ${name}: ${measured} (goal ${goal}) ${met ? 'met' : 'missed'}`);
  if (PART !== 'replay') {
    const small = SIZES.includes(1000) ? await live(1000) : null;
    if (small) say(`live 1k entities:  ${fmt(small)}`);
    const large = await live(10_000);
    say(`live 10k entities: ${fmt(large)}`);
    if (small) {
      say(
        `growth 1k -> 10k (x10 entities): per-step p50 x${(large.perStepP50 / small.perStepP50).toFixed(1)}, RSS x${(large.rssMiB / small.rssMiB).toFixed(1)}`,
      );
    }
    target(
      'live-step-10k-entities',
      `${large.perStepMax.toFixed(2)} s worst per-step cycle time`,
      '< 15 s',
      large.perStepMax < 15,
    );
    target('live-rss-10k-entities', `${large.rssMiB.toFixed(0)} MiB`, '< 1024 MiB', large.rssMiB < 1024);
  }
  if (PART !== 'live') {
    const rep = await replayBench();
    say(
      `replay 24 h @ 15 s, 50 series (${rep.points} scored points, 1 h history each, 100 trees x 256), cold (cache cleared): p50 ${rep.coldP50.toFixed(0)} ms, p95 ${rep.coldP95.toFixed(0)} ms over ${REPLAY_RUNS} runs; bare query_range p50 ${rep.refP50.toFixed(0)} ms (replay/query x${(rep.coldP50 / rep.refP50).toFixed(1)})`,
    );
    say(
      `replay refresh (range one step later, runs cached): p50 ${rep.refreshP50.toFixed(0)} ms, p95 ${rep.refreshP95.toFixed(0)} ms over ${REFRESH_RUNS} requests (refresh/query x${(rep.refreshP50 / rep.refP50).toFixed(1)})`,
    );
    target('replay-24h-50-series-p95', `${rep.coldP95.toFixed(0)} ms cold`, '< 250 ms', rep.coldP95 < 250);
    target(
      'replay-24h-50-series-refresh-p95',
      `${rep.refreshP95.toFixed(0)} ms`,
      '< 250 ms',
      rep.refreshP95 < 250,
    );
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:detector failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
