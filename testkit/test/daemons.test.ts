import { createServer } from 'node:http';
import { startPrometheus, startAlertmanager, waitFor } from '../src';

jest.setTimeout(60_000);

describe('real Prometheus and Alertmanager', () => {
  it('Prometheus scrapes a target and fires a rule into Alertmanager', async () => {
    let hits = 0;
    const target = createServer((_req, res) => {
      hits++;
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(`# TYPE testkit_value gauge\ntestkit_value 42\n`);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as { port: number }).port;
    const am = await startAlertmanager();
    const prom = await startPrometheus({
      scrapeTargets: [{ job: 'testkit', targets: [`127.0.0.1:${port}`] }],
      alertmanager: `127.0.0.1:${am.port}`,
      ruleFiles: [
        {
          name: 'r.yml',
          content: 'groups: [{name: t, rules: [{alert: ValueHigh, expr: testkit_value > 40, for: 0s}]}]\n',
        },
      ],
    });
    try {
      const r = await waitFor('the scraped value', async () => {
        const res = await prom.query('testkit_value');
        return res.length ? res : undefined;
      });
      expect(r[0].value[1]).toBe('42');
      expect(hits).toBeGreaterThan(0);
      const alerts = await waitFor('the alert in Alertmanager', async () => {
        const res = await fetch(`${am.url}/api/v2/alerts`);
        const a = (await res.json()) as Array<{ labels: Record<string, string> }>;
        return a.length ? a : undefined;
      });
      expect(alerts[0].labels.alertname).toBe('ValueHigh');
    } finally {
      await prom.stop({ removeDir: true });
      await am.stop({ removeDir: true });
      target.close();
    }
  });
});
