import { createServer, type Server } from 'node:http';
import { startPrometheus, waitFor, type PrometheusDaemon } from '@homeostat/testkit';
import { alert, webhook } from './support/payload';
import { RecordingActuator } from './support/recording-actuator';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(120_000);

// The shipped rule's shape: the verdict travels as the root_cause annotation, read at each evaluation.
const RULES = `
groups:
  - name: homeostat
    rules:
      - alert: HomeostatAnomaly
        expr: max by (service) (homeostat_anomaly_score) > 1
        labels: { severity: warning, remediate: "true" }
        annotations:
          top_feature: errors
          root_cause: >-
            {{- with query "max by (root_cause) (verdict)" -}}{{- . | first | label "root_cause" -}}{{- end -}}
`;

/**
 * A symptom's verdict can change while its alert fires, and Alertmanager sends nothing for an
 * annotation change. In a chaos campaign orders' alert, skipped as a symptom of the gateway after a
 * crash, was still firing when an error spike on orders began; the detector then named orders its
 * own cause, and nothing acted. Here a real Prometheus 2.42 evaluates the alert and its annotations;
 * the remediator received one notification and reads the verdict again from Prometheus.
 */
describe("a symptom's alert is decided again when its verdict changes while it fires", () => {
  let metrics: Server;
  let prom: PrometheusDaemon;
  let verdict: string | null = 'gateway';
  let score = 2;
  let r: TestRemediator;
  const act = new RecordingActuator();

  beforeAll(async () => {
    metrics = createServer((_req, res) => {
      res.end(
        `# TYPE homeostat_anomaly_score gauge\nhomeostat_anomaly_score{service="orders"} ${score}\n` +
          (verdict === null ? '' : `# TYPE verdict gauge\nverdict{root_cause="${verdict}"} 1\n`),
      );
    });
    await new Promise<void>((ok) => metrics.listen(0, '127.0.0.1', ok));
    const port = (metrics.address() as { port: number }).port;
    prom = await startPrometheus({
      scrapeTargets: [{ job: 'detector', targets: [`127.0.0.1:${port}`] }],
      ruleFiles: [{ name: 'homeostat.yml', content: RULES }],
      scrapeIntervalSeconds: 1,
    });
    r = await startRemediator(
      {
        prometheus: { url: prom.url },
        policy: {
          defaults: { verify: { timeoutSeconds: 60, stableSeconds: 0, intervalSeconds: 1, scoreQuery: '' } },
          rules: [
            {
              name: 'errors',
              match: { alertname: 'HomeostatAnomaly', top_feature: 'errors' },
              target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
              allow: ['orders'],
              ladder: [{ action: 'restart' }],
            },
          ],
        },
      },
      { actuators: { process: act } },
    );
  });
  afterAll(async () => {
    await r?.close();
    await prom?.stop({ removeDir: true });
    metrics?.close();
  });

  const rulesAlert = async () =>
    waitFor('the alert in Prometheus', async () => {
      const body = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as {
        data: { alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] };
      };
      return body.data.alerts.find((a) => a.labels.service === 'orders');
    });
  const incident = () => r.store.incidents(0, Date.now() + 1e12)[0]!;
  const waitOn = (id: string) =>
    (r.store.db.prepare('SELECT wait_on AS w FROM incidents WHERE id = ?').get(id) as { w: string | null }).w;
  const settle = () => new Promise((ok) => setTimeout(ok, 3_000)); // three rechecks at 1 s

  it('skips the symptom, waits quietly while the verdict stands or goes away, and acts once it names the alert itself', async () => {
    const firing = await rulesAlert();
    expect(firing.annotations.root_cause).toBe('gateway');
    // Alertmanager's one notification, as it would forward Prometheus' alert
    const a = alert({}, { labels: firing.labels, annotations: firing.annotations });
    expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).status).toBe(202);
    await r.engine.idle();
    expect(incident().actions).toEqual([
      expect.objectContaining({
        result: 'skipped',
        reason: expect.stringMatching(/downstream symptom of gateway/),
      }),
    ]);

    // the same verdict: read again, nothing decided, nothing recorded, still waiting on it
    await settle();
    expect(incident().actions).toHaveLength(1);
    expect(waitOn(incident().id)).toBe('verdict');
    // the verdict goes away (the detector's incident closed while the alert is held): no verdict
    // is not a new one, and the symptom must not act on it
    verdict = null;
    await waitFor(
      'Prometheus to evaluate no verdict',
      async () => (await rulesAlert()).annotations.root_cause === '',
    );
    await settle();
    expect(incident().actions).toHaveLength(1);
    expect(waitOn(incident().id)).toBe('verdict');
    expect(act.runs).toHaveLength(0);

    // the detector now ranks orders its own cause
    verdict = 'orders';
    await waitFor('the restart of orders', () => act.runs.length === 1);
    score = 0.5; // the restart healed it: the alert resolves, and verification passes
    await waitFor('the incident to heal', () => incident().status === 'healed');
    const inc = incident();
    expect(inc.actions.map((x) => [x.action, x.result])).toEqual([
      ['restart', 'skipped'],
      ['restart', 'succeeded'],
    ]);
    expect(inc.annotations.root_cause).toBe('orders');
    const changes = (
      r.store.db
        .prepare("SELECT data FROM audit WHERE incident_id = ? AND kind = 'annotations'")
        .all(inc.id) as {
        data: string;
      }[]
    ).map((x) => JSON.parse(x.data) as { changed: string[] });
    expect(changes).toEqual([expect.objectContaining({ changed: ['root_cause'] })]);
    expect(act.runs).toHaveLength(1);
  });
});
