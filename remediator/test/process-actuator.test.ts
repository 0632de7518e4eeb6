import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@homeostat/testkit';
import { createGateway, GatewayConfig, type Gateway } from '@homeostat/demo';
// not re-exported by @homeostat/demo: the gateway's tracing (no OTLP endpoint here, so nothing exported)
import { tracingFromEnv } from '../../demo/src/tracing';
import pino from 'pino';
import type { Target } from '@homeostat/contracts';
import { ProcessActuator } from '../src/actuators/process';
import { FIXTURE } from './support/remediator';

jest.setTimeout(60_000);

const ADMIN = 'admin-token-test';
const target: Target = { actuator: 'process', kind: 'process-group', name: 'orders' };
type Action = 'restart' | 'scale_out' | 'scale_in' | 'isolate' | 'shift_traffic' | 'cache_enable';

/** A group of the tiny fixture server: `port` configured, ten replica ports from `from`. */
const group = (name: string, port: number, from: number) => ({
  name,
  command: [process.execPath, FIXTURE, '{port}'],
  env: { ADMIN_TOKEN: ADMIN },
  ports: [port],
  replicaPorts: { from, to: from + 10 },
  readyPath: '/healthz',
  readyTimeoutSeconds: 20,
  cacheUrl: 'http://127.0.0.1:{port}/admin/cache',
  autostart: true,
});

describe('process actuator with the real demo gateway admin API', () => {
  let gw: Gateway;
  let gwUrl: string;
  let port: number;
  let act: ProcessActuator;
  // the scale-out hold's clock and leadership, moved by the hold test
  let now = Date.now();
  let leads = true;
  let claimed = false;
  const givenBack: unknown[] = [];
  const req = (
    action: Action,
    params: Record<string, unknown> = {},
    desiredReplicas?: number,
    instance?: number,
  ) => ({
    action,
    target,
    params,
    incidentId: 'i',
    labels: { service: 'orders', ...(instance ? { instance: `127.0.0.1:${instance}` } : {}) },
    ...(desiredReplicas ? { desiredReplicas } : {}),
  });
  const upstreams = async () => {
    const res = await fetch(`${gwUrl}/admin/upstreams`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = (await res.json()) as { services: Record<string, { url: string; weight: number }[]> };
    return body.services.orders ?? [];
  };
  const get = async (url: string) =>
    (await (await fetch(url)).json()) as { pid: number; port: number; enabled?: boolean };

  const queries: string[] = [];
  let rankSeries: { metric: Record<string, string>; value: number }[] | Error = [];

  beforeAll(async () => {
    port = await freePort();
    gw = await createGateway(
      GatewayConfig.parse({ port: 0, upstream: [`orders=http://127.0.0.1:${port}`] }),
      {
        log: pino({ level: 'silent' }),
        adminToken: ADMIN,
        tracing: tracingFromEnv({}, 'gateway', pino({ level: 'silent' })),
      },
    );
    gwUrl = await gw.app.listen({ host: '127.0.0.1', port: 0 });
    const from = await freePort();
    act = new ProcessActuator({
      groups: [group('orders', port, from)],
      gateway: { url: gwUrl, token: ADMIN },
      adminToken: ADMIN,
      // in-flight requests finish before a replica that left the gateway is stopped
      drainSeconds: 0.2,
      // Prometheus as a restart step's `worstFirst` sees it (replica-rank.ts): what the test sets
      query: async (expr) => {
        queries.push(expr);
        if (rankSeries instanceof Error) throw rankSeries;
        return rankSeries;
      },
      hold: {
        holdSeconds: 600,
        now: () => now,
        mayAct: () => leads,
        targetBusy: () => claimed,
        onGiveBack: (g) => givenBack.push(g),
      },
    });
    await act.start();
  });
  afterAll(async () => {
    await act?.close();
    await gw?.close();
  });

  // users' requests through the gateway while `work` runs, GETs and POSTs (the gateway retries a GET
  // on another replica, never a POST that reached one): every answer and the gateway's failed
  // attempts (code "0") on orders
  const underTraffic = async <T>(work: () => Promise<T>) => {
    const failedAttempts = async () => {
      const text = await (await fetch(`${gwUrl}/metrics`)).text();
      return text
        .split('\n')
        .filter(
          (l) =>
            l.startsWith('gateway_upstream_requests_total{') &&
            l.includes('service="orders"') &&
            l.includes('code="0"'),
        )
        .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    };
    const attemptsBefore = await failedAttempts();
    let running = true;
    const answers: (number | string)[] = [];
    const ports = new Set<number>();
    const users = Array.from({ length: 4 }, async (_, i) => {
      while (running) {
        try {
          const res = await fetch(`${gwUrl}/api/orders/1`, i % 2 ? { method: 'POST', body: '{}' } : {});
          answers.push(res.status);
          if (res.ok) ports.add(((await res.json()) as { port: number }).port);
        } catch (e) {
          answers.push(String(e));
        }
      }
    });
    const result = await work();
    running = false;
    await Promise.all(users);
    return { result, answers, ports, failedAttempts: (await failedAttempts()) - attemptsBefore };
  };

  it('restarts a lone replica without a gap (new pid, same port): a surge replica serves meanwhile, then leaves', async () => {
    const before = await get(`http://127.0.0.1:${port}/healthz`);
    const plan = await act.plan(req('restart'), await act.snapshot(target));
    expect(plan.apiCall).toMatchObject({ method: 'SIGNAL', path: `process://orders/${port}` });
    const { result: after, answers, ports, failedAttempts } = await underTraffic(() => plan.run());
    expect(answers.filter((a) => a !== 200)).toEqual([]);
    expect(failedAttempts).toBe(0);
    // the surge replica took traffic while the replica restarted, and is gone again
    expect(after.surgePort).toEqual(expect.any(Number));
    expect(ports).toContain(after.surgePort);
    expect(after.replicas).toBe(1);
    expect((await upstreams()).map((u) => u.url)).toEqual([`http://127.0.0.1:${port}`]);
    await expect(fetch(`http://127.0.0.1:${String(after.surgePort)}/healthz`)).rejects.toThrow();
    const again = await get(`http://127.0.0.1:${port}/healthz`);
    expect(again.pid).not.toBe(before.pid);
  });

  it('a restarted replica the gateway had lost (a remediator killed mid-restart) is registered again at start', async () => {
    const svc = 'payments';
    const own = await freePort();
    const from = await freePort();
    const other = new ProcessActuator({
      groups: [group(svc, own, from)],
      gateway: { url: gwUrl, token: ADMIN },
      adminToken: ADMIN,
    });
    try {
      await other.start();
      const res = await fetch(`${gwUrl}/api/${svc}/1`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { port: number }).port).toBe(own);
    } finally {
      await other.close();
    }
  });

  /**
   * A second actuator on the same gateway whose group `svc` has `ports`; the replica on `failing` does
   * not start again once break() was called (the others, and surge replicas, start as usual).
   */
  const withBrokenReplica = async (
    svc: string,
    ports: number[],
    failing: number,
    test: (o: { other: ProcessActuator; t: Target; breakIt: () => void }) => Promise<void>,
  ) => {
    const dir = mkdtempSync(join(tmpdir(), 'restart-fails-'));
    const broken = join(dir, 'broken');
    const script = `if (process.env.PORT === '${failing}' && require('node:fs').existsSync(${JSON.stringify(broken)})) process.exit(1); require(${JSON.stringify(FIXTURE)})`;
    const other = new ProcessActuator({
      groups: [
        { ...group(svc, ports[0]!, await freePort()), ports, command: [process.execPath, '-e', script] },
      ],
      gateway: { url: gwUrl, token: ADMIN },
      adminToken: ADMIN,
      drainSeconds: 0.2,
    });
    try {
      await other.start();
      await test({ other, t: { ...target, name: svc }, breakIt: () => writeFileSync(broken, '') });
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('a restart whose replica does not come back leaves the surge replica serving, and names it', async () => {
    const own = await freePort();
    await withBrokenReplica('inventory', [own], own, async ({ other, t, breakIt }) => {
      const plan = await other.plan(
        { ...req('restart'), target: t, labels: { service: t.name } },
        await other.snapshot(t),
      );
      breakIt();
      await expect(plan.run()).rejects.toThrow(/surge replica on port \d+ keeps serving/);
      const res = await fetch(`${gwUrl}/api/${t.name}/1`);
      expect(res.status).toBe(200);
      const served = ((await res.json()) as { port: number }).port;
      expect(served).not.toBe(own);
      expect((await other.snapshot(t)).pids).toHaveLength(1);
    });
  });

  it('a roll stops at the replica that does not come back and says which were restarted, failed and left alone', async () => {
    const [a, b, c] = [await freePort(), await freePort(), await freePort()];
    await withBrokenReplica('payments', [a, b, c], b, async ({ other, t, breakIt }) => {
      const pidC = (await get(`http://127.0.0.1:${c}/healthz`)).pid;
      const plan = await other.plan(
        { ...req('restart'), target: t, labels: { service: t.name } },
        await other.snapshot(t),
      );
      expect(plan.apiCall.path).toBe(`process://${t.name}/${a},${b},${c}`);
      breakIt();
      await expect(plan.run()).rejects.toThrow(
        new RegExp(`restarted ${a}; failed ${b} \\(.*\\); not restarted ${c}$`),
      );
      // the replica left alone still serves with its old process
      expect((await get(`http://127.0.0.1:${c}/healthz`)).pid).toBe(pidC);
      expect((await fetch(`${gwUrl}/api/${t.name}/1`)).status).toBe(200);
      // an instance that is none of the group's replicas (a rule on the detector's own series carries
      // the detector's address) says nothing of which replica: the restart is the whole group's, and
      // of the group only the replica that failed is down now
      const again = await other.plan(
        { ...req('restart'), target: t, labels: { service: t.name, instance: '127.0.0.1:9100' } },
        await other.snapshot(t),
      );
      expect(again.apiCall.path).toBe(`process://${t.name}/${b}`);
    });
  });

  it('scales out by spawning replicas on new ports and registering them with the gateway; traffic reaches them', async () => {
    const before = await act.snapshot(target);
    const plan = await act.plan(req('scale_out', {}, 3), before);
    expect(plan.apiCall).toMatchObject({
      method: 'POST',
      path: `${gwUrl}/admin/upstreams/orders`,
      contentType: 'application/json',
    });
    const after = await plan.run();
    expect(after.replicas).toBe(3);
    const spawned = after.spawned as number[];
    expect(spawned).toHaveLength(2);
    expect((await upstreams()).map((u) => u.url).sort()).toEqual(
      [port, ...spawned].map((p) => `http://127.0.0.1:${p}`).sort(),
    );
    const seen = new Set<number>();
    await waitFor(
      'traffic on every replica',
      async () => {
        seen.add((await get(`${gwUrl}/api/orders/1`)).port);
        return seen.size === 3;
      },
      { timeoutMs: 20_000, intervalMs: 10 },
    );
  });

  it('restarts a replica beside others in rotation without a surge: it leaves the gateway first, keeps its weight', async () => {
    await (
      await act.plan(req('shift_traffic', { weight: 0.5 }, undefined, port), await act.snapshot(target))
    ).run();
    const plan = await act.plan(req('restart', {}, undefined, port), await act.snapshot(target));
    const { result: after, answers, failedAttempts } = await underTraffic(() => plan.run());
    expect(answers.filter((a) => a !== 200)).toEqual([]);
    expect(failedAttempts).toBe(0);
    expect(after.surgePort).toBeUndefined();
    expect(after.replicas).toBe(3);
    const w = Object.fromEntries((await upstreams()).map((u) => [u.url, u.weight]));
    expect(w[`http://127.0.0.1:${port}`]).toBe(0.5);
    await (
      await act.plan(req('shift_traffic', { weight: 1 }, undefined, port), await act.snapshot(target))
    ).run();
  });

  it('an alert about the whole service restarts every replica in turn, without a surge or a failed request', async () => {
    const urls = (await upstreams()).map((u) => u.url).sort();
    expect(urls).toHaveLength(3);
    const pids = async () =>
      Object.fromEntries(
        await Promise.all(urls.map(async (u) => [u, (await get(`${u}/healthz`)).pid] as const)),
      );
    const before = await pids();
    // no instance label: the alert cannot say which replica is at fault
    const plan = await act.plan(req('restart'), await act.snapshot(target));
    expect(String(plan.apiCall.path).split('/').pop()!.split(',').sort()).toEqual(
      urls.map((u) => u.split(':').pop()).sort(),
    );
    const { result: after, answers, failedAttempts } = await underTraffic(() => plan.run());
    expect(answers.filter((a) => a !== 200)).toEqual([]);
    expect(failedAttempts).toBe(0);
    expect(after.surgePort).toBeUndefined();
    expect(after.replicas).toBe(3);
    expect((after.restarted as number[]).map(String).sort()).toEqual(
      urls.map((u) => u.split(':').pop()).sort(),
    );
    expect((await upstreams()).map((u) => u.url).sort()).toEqual(urls);
    const now = await pids();
    for (const u of urls) expect(now[u]).not.toBe(before[u]);
  });

  it("a roll with the step's worstFirst query replaces the replica it singles out first; a failed query keeps the order", async () => {
    const ports = (await upstreams()).map((u) => Number(u.url.split(':').pop())).sort((a, b) => a - b);
    const worst = ports[2]!;
    rankSeries = [
      { metric: { instance: `127.0.0.1:${ports[0]}` }, value: 0.01 },
      { metric: { instance: `127.0.0.1:${worst}` }, value: 0.3 },
      { metric: { instance: `127.0.0.1:${ports[1]}` }, value: NaN },
    ];
    const params = { worstFirst: 'error_ratio_by_instance{service="{{service}}"}' };
    const plan = await act.plan(req('restart', params), await act.snapshot(target));
    expect(queries.pop()).toBe('error_ratio_by_instance{service="orders"}');
    expect(String(plan.apiCall.path).split('/').pop()!.split(',').map(Number)[0]).toBe(worst);
    expect((plan.apiCall.body as { worstFirst?: unknown }).worstFirst).toEqual({
      [ports[0]!]: 0.01,
      [worst]: 0.3,
    });
    const after = await plan.run();
    expect((after.restarted as number[])[0]).toBe(worst);
    expect(after.worstFirst).toEqual({ [ports[0]!]: 0.01, [worst]: 0.3 });

    rankSeries = new Error('prometheus down');
    const again = await (await act.plan(req('restart', params), await act.snapshot(target))).run();
    expect(again.restarted as number[]).toHaveLength(3);
    expect(again.worstFirstSkipped).toMatch(/worstFirst query failed: prometheus down/);
  });

  it('an alert about the whole service with one replica down restarts only that one', async () => {
    const urls = (await upstreams()).map((u) => u.url).sort();
    const victim = urls.find((u) => u !== `http://127.0.0.1:${port}`)!;
    const keep = await get(`http://127.0.0.1:${port}/healthz`);
    const dead = (await get(`${victim}/healthz`)).pid;
    process.kill(dead, 'SIGKILL');
    // as the remediator sees it: its child has exited (the alert comes seconds after a crash)
    await waitFor(
      'the replica is down',
      async () => !((await act.snapshot(target)).pids as number[]).includes(dead),
      {
        timeoutMs: 5000,
        intervalMs: 20,
      },
    );
    const plan = await act.plan(req('restart'), await act.snapshot(target));
    expect(plan.apiCall.path).toBe(`process://orders/${victim.split(':').pop()}`);
    await plan.run();
    expect((await get(`${victim}/healthz`)).port).toBe(Number(victim.split(':').pop()));
    expect((await get(`http://127.0.0.1:${port}/healthz`)).pid).toBe(keep.pid);
  });

  it('shifts traffic away from one replica with gateway weights, and undo restores equal weights', async () => {
    const before = await act.snapshot(target);
    const after = await (
      await act.plan(req('shift_traffic', { weight: 0.1 }, undefined, port), before)
    ).run();
    const w = Object.fromEntries((await upstreams()).map((u) => [u.url, u.weight]));
    expect(w[`http://127.0.0.1:${port}`]).toBe(0.1);
    expect(Object.values(w).filter((x) => x === 1)).toHaveLength(2);
    await act.undo(req('shift_traffic'), before, after);
    expect((await upstreams()).every((u) => u.weight === 1)).toBe(true);
  });

  it('isolates one replica out of the gateway (process kept), and undo re-registers it', async () => {
    const before = await act.snapshot(target);
    const after = await (await act.plan(req('isolate', {}, undefined, port), before)).run();
    expect((await upstreams()).map((u) => u.url)).not.toContain(`http://127.0.0.1:${port}`);
    expect((await get(`http://127.0.0.1:${port}/healthz`)).port).toBe(port); // still alive for debugging
    expect((await act.snapshot(target)).replicas).toBe(2);
    await act.undo(req('isolate'), before, after);
    expect((await upstreams()).map((u) => u.url)).toContain(`http://127.0.0.1:${port}`);
    // an alert whose instance is none of the replicas (an exporter's) isolates nothing
    await expect(act.plan(req('isolate', {}, undefined, 1), before)).rejects.toMatchObject({
      code: 'TARGET_UNRESOLVED',
      field: 'labels.instance',
    });
  });

  it('toggles the cache through the backends admin endpoint', async () => {
    const before = await act.snapshot(target);
    const after = await (await act.plan(req('cache_enable', { enabled: true }), before)).run();
    expect(
      await (
        await fetch(`http://127.0.0.1:${port}/admin/cache`, { headers: { authorization: `Bearer ${ADMIN}` } })
      ).json(),
    ).toEqual({ enabled: true });
    await act.undo(req('cache_enable'), before, after);
    expect(
      await (
        await fetch(`http://127.0.0.1:${port}/admin/cache`, { headers: { authorization: `Bearer ${ADMIN}` } })
      ).json(),
    ).toEqual({ enabled: false });
  });

  it('scales in by unregistering and stopping spawned replicas only', async () => {
    const before = await act.snapshot(target);
    const spawnedPorts = (before.ports as number[]).filter((p) => p !== port);
    const after = await (await act.plan(req('scale_in', {}, 1), before)).run();
    expect(after.replicas).toBe(1);
    expect((await upstreams()).map((u) => u.url)).toEqual([`http://127.0.0.1:${port}`]);
    for (const p of spawnedPorts) await expect(fetch(`http://127.0.0.1:${p}/healthz`)).rejects.toThrow();
    const none = await (await act.plan(req('scale_in', {}, 1), after)).run();
    expect(none.replicas).toBe(1);
  });

  it('gives back a scaled-out replica when its hold ends: not before, not while another replica leads', async () => {
    now = Date.now();
    const before = await act.snapshot(target);
    const after = await (await act.plan({ ...req('scale_out', {}, 2), incidentId: 'inc-7' }, before)).run();
    const [extra] = after.spawned as number[];
    expect((await upstreams()).map((u) => u.url)).toContain(`http://127.0.0.1:${extra}`);

    now += 599_000; // within the hold
    expect(await act.sweepHolds()).toEqual([]);
    now += 2_000; // past it, but this replica does not lead
    leads = false;
    expect(await act.sweepHolds()).toEqual([]);
    expect((await act.snapshot(target)).replicas).toBe(2);

    leads = true;
    claimed = true; // an incident holds orders (an action, its verification or an undo): not from under it
    expect(await act.sweepHolds()).toEqual([]);
    claimed = false;
    const given = await act.sweepHolds();
    expect(given).toEqual([
      {
        actuator: 'process',
        target,
        replica: String(extra),
        incidentId: 'inc-7',
        heldSeconds: 601,
        replicas: { before: 2, after: 1 },
      },
    ]);
    expect(givenBack).toEqual(given);
    expect((await act.snapshot(target)).replicas).toBe(1);
    expect((await upstreams()).map((u) => u.url)).toEqual([`http://127.0.0.1:${port}`]);
    await expect(fetch(`http://127.0.0.1:${extra}/healthz`)).rejects.toThrow();
    // the configured replica is never given back, and the incident's undo finds nothing left to remove
    now += 3_600_000;
    expect(await act.sweepHolds()).toEqual([]);
    expect(await act.undo(req('scale_out'), before, after)).toBeNull();
  });
});
