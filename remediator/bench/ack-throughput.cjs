// npm run bench:remediator — sustained notifications/s and ack latency over loopback: the
// remediator (auth, zod validation, persisted dedupe, engine decisions) on each state store —
// SQLite WAL (one replica) and PostgreSQL (a throwaway server with fsync on, from testkit) — side
// by side with a bare fastify server that does nothing. Every notification is new (unique fingerprint), so
// each one is validated, deduped, persisted and decided. Rounds alternate between the two servers
// so a noisy neighbour on a shared machine hits both alike; medians are reported.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { startPostgres } = require('@homeostat/testkit');

const DURATION = Number(process.env.BENCH_DURATION_SECONDS || 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);

function startServer(kind, db) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'server.cjs'), kind, db ?? ''], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', (d) => resolve({ child, url: d.toString().trim() }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited ${code}`)));
  });
}

let seq = 0;
function body() {
  seq++;
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="HomeostatAnomaly"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'remediator',
    groupLabels: { alertname: 'HomeostatAnomaly' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'HomeostatAnomaly',
          service: `svc-${seq % 50}`,
          top_feature: 'cpu',
          remediate: 'true',
        },
        annotations: { summary: 'bench' },
        startsAt: new Date(1_800_000_000_000 + seq).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://127.0.0.1:9090/graph',
        fingerprint: seq.toString(16).padStart(16, '0'),
      },
    ],
  });
}

function run(url, duration) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/api/v1/alerts/alertmanager`,
        connections: CONNECTIONS,
        duration,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' },
            setupRequest: (req) => ({ ...req, body: body() }),
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

/**
 * The engine decides asynchronously after the ack, so acks alone could outrun it. After a round the
 * bench waits until the server's persisted backlog (jobs no replica has decided) is 0 and counts
 * that wait in the round's time: notifications/s is notifications decided per second.
 */
async function drain(url) {
  if (!url) return { backlog: 0, seconds: 0 };
  const t0 = Date.now();
  let first = null;
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const n = Number(/^homeostat_remediator_jobs_pending (\S+)$/m.exec(text)?.[1] ?? NaN);
    if (!Number.isFinite(n)) throw new Error('no homeostat_remediator_jobs_pending in /metrics');
    first ??= n;
    if (n === 0) return { backlog: first, seconds: (Date.now() - t0) / 1000 };
    if (Date.now() - t0 > 120_000) throw new Error(`backlog of ${n} jobs not drained in 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  console.log(
    `# remediator ack benchmark: ${ROUNDS} alternating rounds x ${DURATION}s, ${CONNECTIONS} connections, loopback, unique notifications; medians`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-bench-'));
  const pg = await startPostgres({ durable: true });
  const servers = {
    bare: await startServer('bare'),
    sqlite: await startServer('remediator', join(dir, 'audit.db')),
    postgres: await startServer('postgres', pg.connectionUrl),
  };
  const runs = { bare: [], sqlite: [], postgres: [] };
  try {
    for (const k of Object.keys(servers)) await run(servers[k].url, 3); // warm-up: JIT, SQLite pages
    for (let i = 0; i < ROUNDS; i++) {
      for (const k of Object.keys(servers)) {
        const res = await run(servers[k].url, DURATION);
        const left = await drain(k === 'bare' ? null : servers[k].url);
        runs[k].push({
          // acked over the round plus the time the backlog took to drain (bare: the round)
          rps: res.requests.total / (res.duration + left.seconds),
          backlog: left.backlog,
          drain: left.seconds,
          p50: res.latency.p50,
          p99: res.latency.p99,
          total: res.requests.total,
          bad: res.non2xx + res.errors + res.timeouts,
        });
      }
    }
  } finally {
    for (const s of Object.values(servers)) {
      s.child.kill('SIGTERM');
      await new Promise((r) => s.child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
    await pg.stop({ removeDir: true });
  }
  const summary = (k) => ({
    kind: k,
    rps: median(runs[k].map((r) => r.rps)),
    p50: median(runs[k].map((r) => r.p50)),
    p99: median(runs[k].map((r) => r.p99)),
    total: runs[k].reduce((a, r) => a + r.total, 0),
    bad: runs[k].reduce((a, r) => a + r.bad, 0),
    each: runs[k].map((r) => r.rps.toFixed(0)).join('/'),
    backlog: Math.max(...runs[k].map((r) => r.backlog)),
    drain: Math.max(...runs[k].map((r) => r.drain)),
  });
  const bare = summary('bare');
  const stores = [summary('sqlite'), summary('postgres')];
  console.log(
    'server        notifications/s   ack p50 ms   ack p99 ms   requests   non-2xx   backlog at end (drain s)   per round',
  );
  for (const m of [bare, ...stores]) {
    console.log(
      `${m.kind.padEnd(13)} ${m.rps.toFixed(0).padStart(15)}   ${String(m.p50).padStart(10)}   ${String(m.p99).padStart(10)}   ${String(m.total).padStart(8)}   ${String(m.bad).padStart(7)}   ${`${m.backlog} (${m.drain.toFixed(2)})`.padStart(24)}   ${m.each}`,
    );
  }
  const verdict = (ok) => (ok ? 'met' : 'missed');
  const RATIO_GOAL = { sqlite: 0.5, postgres: 0.25 };
  for (const m of stores) {
    const ratio = m.rps / bare.rps;
    console.log(
      `target ${m.kind}_vs_bare: ${ratio.toFixed(2)} of bare (goal >= ${RATIO_GOAL[m.kind]}) ${verdict(ratio >= RATIO_GOAL[m.kind])}`,
    );
    console.log(`target ${m.kind}_ack_p99: ${m.p99} ms (goal <= 10 ms) ${verdict(m.p99 <= 10)}`);
    console.log(`target ${m.kind}_no_errors: ${m.bad} non-2xx (goal 0) ${verdict(m.bad === 0)}`);
  }
  const lite = stores[0];
  console.log(
    `target sqlite_throughput: ${lite.rps.toFixed(0)} notifications/s (goal >= 5000) ${verdict(lite.rps >= 5000)}`,
  );
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
