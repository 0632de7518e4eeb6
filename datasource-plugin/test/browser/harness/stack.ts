import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHomeostatService } from '@homeostat/chaos/dist/stack/homeostat-service';
import { freePort, makeTempDir, startPrometheus, waitFor, type Daemon, type PrometheusDaemon } from '@homeostat/testkit';

/**
 * The real back end the plugins talk to in the browser tests: Prometheus holding two hours of a
 * two-service fleet (backfilled with promtool, so no test waits for scrapes) in which `orders` has a
 * CPU/latency/error anomaly, the detector service over it, and the remediator that has healed
 * `orders` after an Alertmanager webhook. The detector and the remediator each answer reads only with
 * their reader token, what Grafana holds (auth.readerTokens). They are started by
 * chaos's stack (`startHomeostatService`: the built CLIs' `serve`); this file only holds the data.
 */

const STEP_S = 15;
/** The detector's reader credential: what Grafana holds (secureJsonData.detectorToken). */
export const DETECTOR_TOKEN = 'detector-token-for-browser-tests';
export const REMEDIATOR_TOKEN = 'remediator-token-for-browser-tests';
/** The remediator's reader credential: what Grafana holds (secureJsonData.remediatorToken). */
export const REMEDIATOR_READER_TOKEN = 'remediator-reader-token-for-browser-tests';
/** From the detector's anomaly event to the alert's startsAt: what the panel's MTTD must show. */
export const ALERT_DELAY_MS = 30_000;

export interface Stack {
  now: number;
  /** The anomaly written into `orders`' history. */
  anomaly: { start: number; end: number };
  prometheus: PrometheusDaemon;
  detectorUrl: string;
  remediatorUrl: string;
  stop(): Promise<void>;
}

/** Deterministic noise, so every run writes the same history. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function openMetrics(from: number, to: number, anomaly: { start: number; end: number }): string {
  const rnd = prng(7);
  const families: Record<string, string[]> = { demo_cpu_ratio: [], demo_latency_seconds: [], demo_error_ratio: [] };
  for (const service of ['orders', 'payments']) {
    for (let t = from; t <= to; t += STEP_S * 1000) {
      const sick = service === 'orders' && t >= anomaly.start && t <= anomaly.end;
      const ts = (t / 1000).toFixed(0);
      families.demo_cpu_ratio.push(`demo_cpu_ratio{service="${service}"} ${sick ? 0.9 + rnd() * 0.04 : 0.1 + rnd() * 0.02} ${ts}`);
      families.demo_latency_seconds.push(`demo_latency_seconds{service="${service}"} ${sick ? 0.9 + rnd() * 0.1 : 0.05 + rnd() * 0.01} ${ts}`);
      families.demo_error_ratio.push(`demo_error_ratio{service="${service}"} ${sick ? 0.2 + rnd() * 0.02 : 0.002 + rnd() * 0.001} ${ts}`);
    }
  }
  return (
    Object.entries(families)
      .map(([name, samples]) => `# TYPE ${name} gauge\n${samples.join('\n')}`)
      .join('\n') + '\n# EOF\n'
  );
}

export async function startStack(): Promise<Stack> {
  const dir = makeTempDir('plugins-browser');
  const now = Math.floor(Date.now() / (STEP_S * 1000)) * STEP_S * 1000;
  const anomaly = { start: now - 20 * 60_000, end: now - 15 * 60_000 };

  // Two and a half hours of history: one training window (1 h) before the panels' 1 h range, and more.
  const om = join(dir, 'history.om');
  writeFileSync(om, openMetrics(now - 150 * 60_000, now - 30_000, anomaly));
  const promDir = join(dir, 'prometheus');
  mkdirSync(join(promDir, 'data'), { recursive: true });
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', om, join(promDir, 'data')]);
  const daemons: Daemon[] = [];
  const stop = async () => {
    for (const d of daemons.reverse()) {
      await d.stop();
    }
  };
  try {
    const prometheus = await startPrometheus({ dir: promDir });
    daemons.push(prometheus);

    const detectorPort = await freePort();
    const detector = await startHomeostatService('detector', {
      dir,
      port: detectorPort,
      config: {
        prometheus: { url: prometheus.url },
        server: { host: '127.0.0.1', port: detectorPort },
        dataDir: join(dir, 'detector-data'),
        logLevel: 'warn',
        auth: { readerTokens: [{ value: DETECTOR_TOKEN }] },
        detectors: [
          {
            name: 'fleet',
            groupBy: ['service'],
            intervalSeconds: STEP_S,
            trainingWindowSeconds: 3600,
            refitIntervalSeconds: 900,
            queries: {
              cpu: 'sum by (service) (demo_cpu_ratio)',
              latency_p95: 'sum by (service) (demo_latency_seconds)',
              error_ratio: 'sum by (service) (demo_error_ratio)',
            },
          },
        ],
      },
    });
    daemons.push(detector);
    // Ready once the live loop has scored the history and recorded the anomaly as an event.
    const detected = await waitFor(
      `detector events (log: ${detector.logFile})`,
      async () => {
        const r = await fetch(`${detector.url}/api/v1/events?from=${now - 3600_000}&to=${now}&key=${encodeURIComponent('service="orders"')}`, {
          headers: { authorization: `Bearer ${DETECTOR_TOKEN}` },
        });
        const events = r.ok ? ((await r.json()) as { events: Array<{ start: number }> }).events : [];
        // the event of the written anomaly (a statistical model may also flag a stray point elsewhere)
        const starts = events.map((e) => e.start).filter((t) => t >= anomaly.start - 60_000 && t <= anomaly.end);
        return starts.length > 0 ? Math.min(...starts) : undefined;
      },
      { timeoutMs: 90_000 }
    );

    const remediatorPort = await freePort();
    const backendPort = await freePort();
    const quickVerify = { timeoutSeconds: 10, stableSeconds: 0, intervalSeconds: 0.2, requireResolved: false, scoreQuery: '' };
    const remediator = await startHomeostatService('remediator', {
      dir,
      port: remediatorPort,
      config: {
        server: { host: '127.0.0.1', port: remediatorPort, logLevel: 'warn' },
        auth: { bearerTokens: [{ value: REMEDIATOR_TOKEN }], readerTokens: [{ value: REMEDIATOR_READER_TOKEN }] },
        storage: { file: join(dir, 'remediator.db') },
        process: {
          groups: [
            {
              name: 'orders',
              command: ['node', join(__dirname, '../fixtures/tiny-backend.js'), '{port}'],
              ports: [backendPort],
              replicaPorts: { from: backendPort + 1, to: backendPort + 3 },
            },
          ],
        },
        policy: {
          defaults: { cooldownSeconds: 0, verify: quickVerify },
          rules: [
            {
              name: 'cpu-saturation',
              match: { alertname: 'HomeostatAnomaly', top_feature: 'cpu' },
              target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
              allow: ['orders'],
              ladder: [{ action: 'restart' }],
            },
          ],
        },
      },
    });
    daemons.push(remediator);

    // Alertmanager's notification for the anomaly: the HomeostatAnomaly rule fires 30 s after a weak
    // score crossed 1 (10 s for a strong one), so the alert starts ALERT_DELAY_MS after the event.
    const startsAt = new Date(detected + ALERT_DELAY_MS).toISOString();
    const webhook = {
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
          labels: { alertname: 'HomeostatAnomaly', service: 'orders', severity: 'warning', top_feature: 'cpu', remediate: 'true' },
          annotations: { summary: 'anomaly score above 1 on orders' },
          startsAt,
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: `${prometheus.url}/graph`,
          fingerprint: 'a1b2c3d4e5f60718',
        },
      ],
    };
    const posted = await fetch(`${remediator.url}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${REMEDIATOR_TOKEN}` },
      body: JSON.stringify(webhook),
    });
    if (posted.status !== 202) {
      throw new Error(`remediator refused the webhook: ${posted.status} ${await posted.text()}`);
    }
    await waitFor(
      `remediator verified its action (log: ${remediator.logFile})`,
      async () => {
        const r = await fetch(`${remediator.url}/api/v1/timeline?from=${now - 3600_000}&to=${Date.now() + 60_000}`, {
          headers: { authorization: `Bearer ${REMEDIATOR_READER_TOKEN}` },
        });
        const events = ((await r.json()) as { events: Array<{ kind: string }> }).events;
        return events.some((e) => e.kind === 'verification');
      },
      { timeoutMs: 30_000 }
    );

    return {
      now,
      anomaly,
      prometheus,
      detectorUrl: detector.url,
      remediatorUrl: remediator.url,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
