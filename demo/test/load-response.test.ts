import { startPrometheus, type PrometheusDaemon } from '@homeostat/testkit';
import { drive, hostPort, scalar, startService, waitForValue, type NodeService } from './helpers';

// Without any fault, load alone saturates a small backend the way a real one saturates: requests
// queue for workers, then the service sheds load with 503 OVERLOADED.
jest.setTimeout(60_000);

let backend: NodeService;
let prom: PrometheusDaemon;

beforeAll(async () => {
  backend = await startService('backend', [
    '--service',
    'orders',
    '--workers',
    '2',
    '--queue-limit',
    '4',
    '--queue-timeout-ms',
    '400',
    '--cache-enabled',
    'false',
  ]);
  prom = await startPrometheus({ scrapeTargets: [{ job: 'demo', targets: [hostPort(backend.url)] }] });
  await waitForValue(prom, 'up{job="demo"}', (v) => v === 1);
});

afterAll(async () => {
  await prom?.stop({ removeDir: true });
  await backend?.stop({ removeDir: true });
});

test('light load is served; heavy load queues, then is shed with 503 OVERLOADED', async () => {
  const light = await drive(`${backend.url}/api/orders`, {
    ms: 1500,
    concurrency: 1,
    method: 'POST',
    maxRequests: 200,
  });
  expect(light.byStatus['201']).toBe(light.total);

  const res = await Promise.all(
    Array.from({ length: 16 }, () =>
      fetch(`${backend.url}/api/orders`, { method: 'POST' }).then(
        async (r) => [r.status, await r.json()] as const,
      ),
    ),
  );
  const shed = res.filter(([s]) => s === 503);
  expect(shed.length).toBeGreaterThan(0);
  expect(shed[0][1]).toMatchObject({ code: 'OVERLOADED' });
  expect(res.filter(([s]) => s === 201).length).toBeGreaterThanOrEqual(2);

  const heavy = await drive(`${backend.url}/api/orders`, {
    ms: 4000,
    concurrency: 12,
    method: 'POST',
    maxRequests: 2000,
  });
  expect(heavy.byStatus['503']).toBeGreaterThan(0);
  await waitForValue(prom, 'max_over_time(demo_worker_pool_queued{job="demo"}[10s])', (v) => v > 0);
  await waitForValue(prom, 'sum(increase(http_requests_total{job="demo",code="503"}[15s]))', (v) => v > 0);
  const busy = await scalar(prom, 'max_over_time(demo_worker_pool_busy{job="demo"}[10s])');
  expect(busy).toBe(2);
});
