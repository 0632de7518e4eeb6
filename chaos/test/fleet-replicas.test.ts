import { waitFor } from '@homeostat/testkit';
import { AdminClient } from '../src/runner/admin-client';
import { startStack, type Stack } from '../src/stack/start-stack';

/**
 * `campaign --replicas 2` on the processes fleet (heal off: the fleet owns the backends): each
 * backend runs as two processes behind the gateway, both scraped; a crashed second replica costs
 * users nothing (the gateway retries a refused connection on the other replica) and the no-heal
 * rollback starts that replica again, not the first.
 */
describe('processes fleet with two replicas per backend', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ heal: false, replicas: 2 });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const replicasOf = async (service: string) =>
    [
      ...new Set((await stack.fleet.targets()).filter((t) => t.service === service).map((t) => t.address)),
    ].sort();

  it('starts two processes per backend, lists both as scrape targets and routes to both', async () => {
    expect(stack.replicas).toBe(2); // what a campaign's run.json records
    for (const s of ['orders', 'payments', 'inventory']) expect(await replicasOf(s)).toHaveLength(2);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${stack.gatewayUrl}/api/orders`);
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      seen.add(new URL(res.headers.get('x-upstream')!).host);
    }
    expect([...seen].sort()).toEqual(await replicasOf('orders'));
  }, 60_000);

  it('a crashed second replica costs no request, and the rollback starts it again on its port', async () => {
    // the first replica is the one started first; free ports come in no order, so not the lowest address
    const first = new URL(stack.serviceUrl('payments')).host;
    const all = await replicasOf('payments');
    expect(all).toContain(first);
    const second = all.find((a) => a !== first)!;
    await new AdminClient(`http://${second}`, stack.adminToken).inject('crash', {}).catch(() => undefined);
    await waitFor('the second replica down', async () => !(await answers(`http://${second}`)), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${stack.gatewayUrl}/api/payments`);
      await res.arrayBuffer();
      expect(res.status).toBe(200);
    }
    expect(await answers(`http://${first}`)).toBe(true);
    expect(await stack.restartIfDown('payments')).toBe(true);
    expect(await answers(`http://${second}`)).toBe(true);
    expect(await stack.restartIfDown('payments')).toBe(false);
  }, 60_000);
});

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}
