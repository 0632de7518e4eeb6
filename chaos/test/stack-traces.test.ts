import { waitFor } from '@homeostat/testkit';
import { startStack, type Stack } from '../src/stack/start-stack';

/**
 * The one stack with healing on wires the demo's traces to the detector: the gateway and backends
 * export their spans over OTLP (the OpenTelemetry SDK) to the detector's receiver, which learns
 * from parent/child spans who calls whom, the call graph the root-cause ranking reads.
 */
describe('stack traces', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ heal: true });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it("the detector's call graph shows the gateway calling each backend, learned from the fleet's spans", async () => {
    const services = ['orders', 'payments', 'inventory'];
    const edges = await waitFor(
      'traced edges gateway -> every backend',
      async () => {
        for (const s of services) await fetch(`${stack.gatewayUrl}/api/${s}`).then((r) => r.arrayBuffer());
        const graph = (await (await fetch(`${stack.detectorUrl}/api/v1/call-graph`)).json()) as { traced: { caller: string; callee: string }[] };
        return services.every((s) => graph.traced.some((e) => e.caller === 'gateway' && e.callee === s)) ? graph.traced : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 1000 },
    );
    expect(edges).not.toContainEqual(expect.objectContaining({ callee: 'gateway' }));
  }, 60_000);
});
