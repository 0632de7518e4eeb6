// npm run bench:remediator — sustained notifications/s and ack latency over loopback, the
// remediator (auth, zod, persisted dedupe in SQLite WAL, async engine) side by side with a bare
// fastify server that does nothing. Every notification is new (unique fingerprint), so each one
// is validated, deduped, persisted and processed.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');

const DURATION = Number(process.env.BENCH_DURATION_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 8);

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
  const fp = seq.toString(16).padStart(16, '0');
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
        fingerprint: fp,
      },
    ],
  });
}

function run(url) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/api/v1/alerts/alertmanager`,
        connections: CONNECTIONS,
        duration: DURATION,
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

async function measure(kind) {
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-bench-'));
  const { child, url } = await startServer(kind, join(dir, 'audit.db'));
  try {
    await run(url).catch(() => undefined); // warm-up (JIT, SQLite pages)
    const res = await run(url);
    const non2xx = res.non2xx + res.errors + res.timeouts;
    return {
      kind,
      rps: res.requests.average,
      p50: res.latency.p50,
      p99: res.latency.p99,
      total: res.requests.total,
      non2xx,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  console.log(
    `# remediator ack benchmark: ${DURATION}s per run, ${CONNECTIONS} connections, loopback, unique notifications`,
  );
  const bare = await measure('bare');
  const rem = await measure('remediator');
  console.log('server        notifications/s   ack p50 ms   ack p99 ms   requests   non-2xx');
  for (const m of [bare, rem]) {
    console.log(
      `${m.kind.padEnd(13)} ${m.rps.toFixed(0).padStart(15)}   ${String(m.p50).padStart(10)}   ${String(m.p99).padStart(10)}   ${String(m.total).padStart(8)}   ${m.non2xx}`,
    );
  }
  console.log(`ratio remediator/bare throughput: ${(rem.rps / bare.rps).toFixed(2)}`);
  console.log(
    `target throughput: ${rem.rps.toFixed(0)} notifications/s (goal >= 5000) ${rem.rps >= 5000 ? 'met' : 'missed'}`,
  );
  console.log(`target ack_p99: ${rem.p99} ms (goal < 10 ms) ${rem.p99 < 10 ? 'met' : 'missed'}`);
  console.log(`target no_errors: ${rem.non2xx} non-2xx (goal 0) ${rem.non2xx === 0 ? 'met' : 'missed'}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
