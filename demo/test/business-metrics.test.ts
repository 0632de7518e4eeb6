import { startPrometheus, type PrometheusDaemon } from '@homeostat/testkit';
import { admin, hostPort, startService, waitForValue, type NodeService } from './helpers';

// The business gauges as Prometheus sees them: distinct users, transaction results, availability.
jest.setTimeout(60_000);

let backend: NodeService;
let gateway: NodeService;
let prom: PrometheusDaemon;

beforeAll(async () => {
  backend = await startService('backend', ['--service', 'payments']);
  gateway = await startService('gateway', ['--upstream', `payments=${backend.url}`]);
  prom = await startPrometheus({
    scrapeTargets: [{ job: 'demo', targets: [hostPort(backend.url), hostPort(gateway.url)] }],
  });
  await waitForValue(prom, 'sum(up{job="demo"})', (v) => v === 2);
});

afterAll(async () => {
  await prom?.stop({ removeDir: true });
  await Promise.all([gateway, backend].map((s) => s?.stop({ removeDir: true })));
});

test('active users, transaction results and availability follow the traffic', async () => {
  // 7 users through the gateway, 10 successful payments
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${gateway.url}/api/payments`, {
      method: 'POST',
      headers: { 'x-user-id': `user-${i % 7}` },
    });
    expect(res.status).toBe(201);
  }
  await waitForValue(prom, 'demo_active_users{service="payments"}', (v) => v === 7);
  await waitForValue(prom, 'demo_active_users{service="gateway"}', (v) => v === 7);
  await waitForValue(prom, 'demo_availability_ratio{service="payments"}', (v) => v === 1);

  // then 10 failed payments: half of the last minute's requests failed
  await admin(backend.url, 'POST', '/admin/faults/errors', { ratio: 1, durationSeconds: 30 });
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${gateway.url}/api/payments`, {
      method: 'POST',
      headers: { 'x-user-id': 'user-0' },
    });
    expect(res.status).toBe(500);
  }
  await admin(backend.url, 'DELETE', '/admin/faults/errors');
  await waitForValue(prom, 'demo_transactions_total{service="payments",result="success"}', (v) => v === 10);
  await waitForValue(prom, 'demo_transactions_total{service="payments",result="failure"}', (v) => v === 10);
  await waitForValue(prom, 'demo_availability_ratio{service="payments"}', (v) => v === 0.5);
  await waitForValue(prom, 'demo_availability_ratio{service="gateway"}', (v) => v === 0.5);
  await waitForValue(
    prom,
    'sum(demo_transactions_total{service="payments",result="success"}) / sum(demo_transactions_total{service="payments"})',
    (v) => v === 0.5,
  );
});
