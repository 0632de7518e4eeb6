import { RootCauseSettings } from './root-cause-settings';
import { LiveRootCause } from './live-root-cause';

const STEP = 15_000;
const T0 = 1_800_000_000_000;

/**
 * gateway -> orders -> db. The fault is in orders (its latency and cpu); the gateway calls orders and
 * gets slower by even more (its own latency adds retries); db is untouched. The detector's scores cross
 * the line on gateway first (it is the busier series): the ranker must still name orders.
 */
function run(
  faultFrom: number,
  points: number,
  graph: { declared?: Record<string, string[]>; traced?: { caller: string; callee: string }[] } = {
    declared: { gateway: ['orders'], orders: ['db'] },
  },
  extra?: (i: number, rc: LiveRootCause) => void,
) {
  const rc = new LiveRootCause(
    {
      name: 'shop',
      groupBy: ['service'],
      queries: { cpu: 'q1', latency: 'q2' },
      intervalSeconds: 15,
      rootCause: RootCauseSettings.parse({ dependencies: graph.declared ?? {}, closeAfterPoints: 4 }),
    },
    () => graph.traced ?? [],
  );
  const noise = (i: number, k: number) => 0.02 * Math.sin(i * 1.7 + k) + 0.01 * Math.cos(i * 0.9 * k);
  for (let i = 0; i < points; i++) {
    const t = T0 + i * STEP;
    const sick = i >= faultFrom && i < faultFrom + 12;
    const rows: Record<string, [number, number]> = {
      gateway: [0.3 + noise(i, 1), 0.12 + noise(i, 2) + (sick ? 0.9 : 0)],
      orders: [0.2 + noise(i, 3) + (sick ? 0.6 : 0), 0.05 + noise(i, 4) + (sick ? 0.5 : 0)],
      db: [0.4 + noise(i, 5), 0.01 + noise(i, 6) / 10],
    };
    for (const [service, row] of Object.entries(rows)) {
      // The gateway's score crosses first; orders' one step later.
      const score =
        service === 'gateway' && sick ? 1.8 : service === 'orders' && i > faultFrom && sick ? 1.3 : 0.2;
      rc.observe(`service="${service}"`, { service }, t, row, { score, contributions: [] });
    }
    extra?.(i, rc);
    rc.endCycle(t);
  }
  return rc;
}

/** gateway -> inventory at 1 s, each with an error ratio and a memory growth. */
function gatewayOverInventory(): LiveRootCause {
  return new LiveRootCause({
    name: 'demo',
    groupBy: ['service'],
    queries: { error_ratio: 'q1', memory: 'q2' },
    intervalSeconds: 1,
    rootCause: RootCauseSettings.parse({ dependencies: { gateway: ['inventory'] }, closeAfterPoints: 4 }),
  });
}

describe('LiveRootCause', () => {
  it('names the callee whose fault shows in its caller, with its own labels, while the incident is open', () => {
    const rc = run(200, 206);
    const v = rc.verdicts();
    expect(v[0]).toMatchObject({
      detector: 'shop',
      rank: 1,
      entity: 'orders',
      labels: { service: 'orders' },
    });
    expect(v.map((x) => x.rank)).toEqual([1, 2, 3].slice(0, v.length));
    expect(v[0].incident).toBe(`shop:${new Date(T0 + 200 * 15_000).toISOString()}`);
  });

  it('keeps the verdict for the rest of the incident and drops it once the incident is quiet', () => {
    const during = run(200, 211);
    expect(during.verdicts()[0]?.entity).toBe('orders');
    const after = run(200, 200 + 12 + 6);
    expect(after.verdicts()).toEqual([]);
  });

  it('ranks on edges learned from traces as on declared ones (and not without a graph)', () => {
    const traced = run(200, 206, { traced: [{ caller: 'gateway', callee: 'orders' }] });
    expect(traced.verdicts()[0]?.entity).toBe('orders');
    expect(run(200, 206, {}).verdicts()[0]?.entity).toBe('gateway');
  });

  it('gives an anomaly that starts long after another its own incident, verdict and members', () => {
    // `other` (no edges) crosses the line 100 points (25 min) into the orders incident, with a step in
    // its own cpu: a new story, not a late member of the first.
    const rc = run(200, 400, undefined, (i, r) => {
      const t = T0 + i * STEP;
      const sick = i >= 300;
      r.observe(
        'service="other"',
        { service: 'other' },
        t,
        [0.1 + 0.01 * Math.sin(i) + (sick ? 2 : 0), 0.05],
        {
          score: sick ? 1.6 : 0.1,
          contributions: [],
        },
      );
    });
    // The orders fault lasted 12 points and ended long ago (its incident closed); `other` still burns.
    const members = rc.memberships();
    expect(members.map((m) => m.labels.service)).toEqual(['other']);
    expect(members[0].rootCause).toBe('other');
    expect(members[0].incident).toBe(`shop:${new Date(T0 + 300 * 15_000).toISOString()}`);
  });

  it('judges a second fault against normal operation, not against the first fault still in the window', () => {
    // gateway -> inventory at 1 s. Inventory's errors spike twice two minutes apart (the first one is
    // healed); each time the gateway's error ratio carries a third of it, and its memory growth wobbles
    // a little. With the first spike in inventory's history, the second one reads under 2 robust
    // deviations, cannot explain the gateway's errors, and the gateway's wobble wins.
    const rc = gatewayOverInventory();
    const first = (i: number) => i >= 60 && i < 120;
    const second = (i: number) => i >= 200;
    for (let i = 0; i < 206; i++) {
      const t = T0 + i * 1000;
      const invErr = first(i) ? 0.4 : second(i) ? 0.15 : 0;
      const wobble = 1e5 * Math.sin(i * 0.7) + (second(i) ? 3e5 : 0);
      rc.observe('service="inventory"', { service: 'inventory' }, t, [invErr, 2e4 * Math.cos(i)], {
        score: first(i) || (second(i) && i > 200) ? 1.8 : 0.1,
        contributions: [],
      });
      rc.observe('service="gateway"', { service: 'gateway' }, t, [invErr / 3, wobble], {
        score: first(i) || second(i) ? 1.8 : 0.1,
        contributions: [],
      });
      rc.endCycle(t);
    }
    expect(rc.verdicts()[0]).toMatchObject({ entity: 'inventory', topMetric: 'error_ratio' });
  });

  it('judges an entity that was above the line for most of the window against all of it', () => {
    // inventory alarms from point 10 on (a slow leak the remediation has not caught); at 220 its
    // errors spike and the gateway carries a third of them. Leaving out its anomalous points would
    // leave it no history to be judged on, and the gateway would be named.
    const rc = gatewayOverInventory();
    for (let i = 0; i < 226; i++) {
      const t = T0 + i * 1000;
      const invErr = i >= 220 ? 0.15 : i % 50 === 7 ? 0.01 : 0;
      rc.observe('service="inventory"', { service: 'inventory' }, t, [invErr, 3e6 + 1e4 * Math.cos(i)], {
        score: i >= 10 ? 1.5 : 0.1,
        contributions: [],
      });
      rc.observe(
        'service="gateway"',
        { service: 'gateway' },
        t,
        [invErr / 3, 1e5 * Math.sin(i * 0.7) + (i >= 220 ? 3e5 : 0)],
        {
          score: i >= 220 ? 1.8 : 0.1,
          contributions: [],
        },
      );
      rc.endCycle(t);
    }
    // the incident the gateway opened at 220 (inventory's own, open since point 10, is another)
    const incident = `demo:${new Date(T0 + 220 * 1000).toISOString()}`;
    expect(rc.verdicts().filter((v) => v.incident === incident)[0]).toMatchObject({
      entity: 'inventory',
      topMetric: 'error_ratio',
    });
  });

  it("lets a member with a saturation fault of its own name itself, while its callers stay the cause's symptoms", () => {
    // gateway -> orders, gateway -> inventory. orders' CPU spikes at 200 and it slows down, and the
    // gateway with it; inventory, which never calls orders, starts leaking at 205: one incident,
    // orders ranked first. A steady 10 s rate scraped every second reads 38.9 or 44.4 rps, and the
    // spike shifts the scrape's phase (41.7 rps): that is not inventory's load moving.
    const rc = new LiveRootCause({
      name: 'demo',
      groupBy: ['service'],
      queries: { cpu: 'q1', memory: 'q2', latency_p95: 'q3', request_rate: 'q4' },
      intervalSeconds: 1,
      rootCause: RootCauseSettings.parse({
        dependencies: { gateway: ['orders', 'inventory'] },
        closeAfterPoints: 4,
      }),
    });
    const wobble = (i: number, k: number) => 0.01 * Math.sin(i * 1.3 + k);
    const rate = (i: number) => (i >= 200 ? 41.7 : i % 2 ? 38.9 : 44.4);
    for (let i = 0; i < 215; i++) {
      const t = T0 + i * 1000;
      const spike = i >= 200;
      const leak = i >= 205;
      const rows: Record<string, { row: number[]; score: number; top: string }> = {
        orders: {
          row: [
            0.2 + wobble(i, 1) + (spike ? 0.7 : 0),
            1e4 * wobble(i, 2),
            0.05 + wobble(i, 3) / 10 + (spike ? 0.3 : 0),
            rate(i),
          ],
          score: spike ? 1.8 : 0.1,
          top: 'cpu',
        },
        gateway: {
          row: [
            0.3 + wobble(i, 4),
            1e4 * wobble(i, 5),
            0.08 + wobble(i, 6) / 10 + (i > 200 ? 0.3 : 0),
            3 * rate(i),
          ],
          score: i > 200 ? 1.5 : 0.1,
          top: 'latency_p95',
        },
        inventory: {
          row: [0.2 + wobble(i, 7), 1e7 * wobble(i, 8) + (leak ? 6e5 : 0), 0.04 + wobble(i, 9) / 10, rate(i)],
          score: leak ? 1.6 : 0.1,
          top: 'memory',
        },
      };
      for (const [service, r] of Object.entries(rows))
        rc.observe(`service="${service}"`, { service }, t, r.row, {
          score: r.score,
          contributions: [{ feature: r.top, contribution: 0.8 }],
        });
      rc.endCycle(t);
    }
    expect(rc.verdicts()[0]).toMatchObject({ entity: 'orders' });
    const cause = Object.fromEntries(rc.memberships().map((m) => [m.labels.service, m.rootCause]));
    expect(cause).toEqual({ orders: 'orders', gateway: 'orders', inventory: 'inventory' });
  });

  it("judges a member's own fault in the detector's noise floors: a small memory growth beside a neighbour's fault stays a symptom", () => {
    // gateway -> orders, gateway -> inventory. inventory's errors spike at 200 (the gateway carries
    // them); orders' memory growth, clamped at 0 before, reads 60 kB/s from 205 and its alarm names
    // memory: in a chaos campaign exactly this named orders its own cause and it was restarted
    // without a fault. The pipeline's floor for memory is 256 KiB/s; a leak is megabytes per second.
    const run = (growth: number, pipeline?: { robustZAbsoluteFloor: Record<string, number> }) => {
      const rc = new LiveRootCause({
        name: 'demo',
        groupBy: ['service'],
        queries: { error_ratio: 'q1', memory: 'q2', request_rate: 'q3' },
        intervalSeconds: 1,
        rootCause: RootCauseSettings.parse({
          dependencies: { gateway: ['orders', 'inventory'] },
          closeAfterPoints: 4,
        }),
        pipeline,
      });
      const wobble = (i: number, k: number) => 0.01 * Math.sin(i * 1.3 + k);
      for (let i = 0; i < 215; i++) {
        const t = T0 + i * 1000;
        const rows: Record<string, { row: number[]; score: number; top: string }> = {
          inventory: {
            row: [i >= 200 ? 0.3 : 0, 0, 40 + wobble(i, 1)],
            score: i >= 200 ? 1.8 : 0.1,
            top: 'error_ratio',
          },
          gateway: {
            row: [i > 200 ? 0.1 : 0, 0, 120 + wobble(i, 2)],
            score: i > 200 ? 1.5 : 0.1,
            top: 'error_ratio',
          },
          orders: {
            row: [0, Math.max(0, 100 * wobble(i, 3)) + (i >= 205 ? growth : 0), 40 + wobble(i, 4)],
            score: i >= 205 ? 1.6 : 0.1,
            top: 'memory',
          },
        };
        for (const [service, r] of Object.entries(rows))
          rc.observe(`service="${service}"`, { service }, t, r.row, {
            score: r.score,
            contributions: [{ feature: r.top, contribution: 0.8 }],
          });
        rc.endCycle(t);
      }
      expect(rc.verdicts()[0]).toMatchObject({ entity: 'inventory' });
      return Object.fromEntries(rc.memberships().map((m) => [m.labels.service, m.rootCause]));
    };
    const floors = { robustZAbsoluteFloor: { memory: 262_144 } };
    expect(run(6e4)).toEqual({ inventory: 'inventory', gateway: 'inventory', orders: 'orders' });
    expect(run(6e4, floors)).toEqual({ inventory: 'inventory', gateway: 'inventory', orders: 'inventory' });
    // a 4 MB/s leak still names itself
    expect(run(4e6, floors)).toEqual({ inventory: 'inventory', gateway: 'inventory', orders: 'orders' });
  });

  it('dates only the metrics that opened an alarm from its onset, not those that carry it later', () => {
    // gateway -> inventory. The gateway's memory growth alarms at 195; at 200 inventory's errors
    // spike and the gateway's error ratio follows, which then carries the gateway's alarm. Dated
    // from 195, the gateway's errors would precede inventory's, which could no longer explain them.
    const rc = gatewayOverInventory();
    for (let i = 0; i < 206; i++) {
      const t = T0 + i * 1000;
      const invErr = i >= 200 ? 0.15 : i % 50 === 7 ? 0.01 : 0;
      rc.observe('service="inventory"', { service: 'inventory' }, t, [invErr, 2e4 * Math.cos(i)], {
        score: i > 200 ? 1.8 : 0.1,
        contributions: [{ feature: 'error_ratio', contribution: 0.9 }],
      });
      rc.observe(
        'service="gateway"',
        { service: 'gateway' },
        t,
        [invErr / 3, 1e5 * Math.sin(i * 0.7) + (i >= 195 ? 3e5 : 0)],
        {
          score: i >= 195 ? 1.5 : 0.1,
          contributions: [{ feature: i < 200 ? 'memory' : 'error_ratio', contribution: 0.9 }],
        },
      );
      rc.endCycle(t);
    }
    expect(rc.verdicts()[0]).toMatchObject({ entity: 'inventory', topMetric: 'error_ratio' });
  });

  describe('a member names itself only for a fault nothing else in the incident can have caused', () => {
    const w = (i: number, k: number) => 0.01 * Math.sin(i * 1.3 + k);
    /** cpu, memory, request_rate per service at 1 s; `row(service, i)` gives values, score and top feature. */
    function follow(
      dependencies: Record<string, string[]>,
      points: number,
      row: (service: string, i: number) => { v: number[]; score: number; top: string } | null,
      services: string[],
      at?: (i: number, rc: LiveRootCause) => void,
    ): LiveRootCause {
      const rc = new LiveRootCause({
        name: 'demo',
        groupBy: ['service'],
        queries: { cpu: 'q1', memory: 'q2', request_rate: 'q3' },
        intervalSeconds: 1,
        rootCause: RootCauseSettings.parse({ dependencies, closeAfterPoints: 4 }),
      });
      for (let i = 0; i < points; i++) {
        const t = T0 + i * 1000;
        for (const service of services) {
          const r = row(service, i);
          if (r)
            rc.observe(`service="${service}"`, { service }, t, r.v, {
              score: r.score,
              contributions: [{ feature: r.top, contribution: 0.9 }],
            });
        }
        rc.endCycle(t);
        at?.(i, rc);
      }
      return rc;
    }
    const causes = (rc: LiveRootCause) =>
      Object.fromEntries(rc.memberships().map((m) => [m.labels.service, m.rootCause]));

    it('keeps the backends of a failing gateway its symptoms, though their CPU alarms', () => {
      // the gateway's CPU spins at 200 and it stops calling: the backends' CPU and traffic fall
      const rc = follow(
        { gateway: ['orders', 'inventory'] },
        210,
        (s, i) => {
          const down = i >= 200;
          if (s === 'gateway')
            return {
              v: [0.3 + w(i, 1) + (down ? 0.9 : 0), 1e7 * w(i, 2), 40 + w(i, 3)],
              score: down ? 1.9 : 0.1,
              top: 'cpu',
            };
          return {
            v: [0.2 + w(i, 4) - (down ? 0.15 : 0), 1e7 * w(i, 5), 40 + w(i, 6) - (down ? 35 : 0)],
            score: i > 200 ? 1.5 : 0.1,
            top: 'cpu',
          };
        },
        ['gateway', 'orders', 'inventory'],
      );
      expect(causes(rc)).toEqual({ gateway: 'gateway', orders: 'gateway', inventory: 'gateway' });
    });

    it('keeps a caller whose memory grew while its callee was slow a symptom, and names nobody itself without a graph', () => {
      // payments' CPU spikes at 200; orders, which calls it, piles up requests and its memory grows
      const row = (s: string, i: number) => {
        const sick = i >= 200;
        if (s === 'payments')
          return {
            v: [0.2 + w(i, 1) + (sick ? 0.8 : 0), 1e7 * w(i, 2), 40 + w(i, 3)],
            score: sick ? 1.9 : 0.1,
            top: 'cpu',
          };
        return {
          v: [0.2 + w(i, 4), 1e7 * w(i, 5) + (i > 201 ? 2e5 : 0), 40 + w(i, 6)],
          score: i > 201 ? 1.5 : 0.1,
          top: 'memory',
        };
      };
      expect(causes(follow({ orders: ['payments'] }, 210, row, ['orders', 'payments']))).toEqual({
        orders: 'payments',
        payments: 'payments',
      });
      const blind = follow({}, 210, row, ['orders', 'payments']);
      expect(causes(blind).orders).not.toBe('orders');
    });

    it('lets a leak that starts after the verdict froze name itself, and keeps it so while its alarm turns to other metrics', () => {
      // orders' CPU spikes at 200; inventory's memory ramps from 250 (alarm at 253), then from 270 its
      // alarm is about its CPU (GC); the alert needs its cause stable for its `for:` period
      const seen: Record<number, string> = {};
      follow(
        { gateway: ['orders', 'inventory'] },
        300,
        (s, i) => {
          if (s === 'orders')
            return {
              v: [0.2 + w(i, 1) + (i >= 200 ? 0.7 : 0), 1e7 * w(i, 2), 40 + w(i, 3)],
              score: i >= 200 ? 1.8 : 0.1,
              top: 'cpu',
            };
          const leak = Math.max(0, i - 250) * 3e5;
          return {
            v: [0.2 + w(i, 4) + (i >= 270 ? 0.05 : 0), 1e7 * w(i, 5) + leak, 40 + w(i, 6)],
            score: i >= 253 ? 1.6 : 0.1,
            top: i < 270 ? 'memory' : 'cpu',
          };
        },
        ['orders', 'inventory'],
        (i, rc) => {
          if ([256, 275, 299].includes(i)) seen[i] = causes(rc).inventory;
        },
      );
      expect(seen).toEqual({ 256: 'inventory', 275: 'inventory', 299: 'inventory' });
    });

    it("takes a member's own cause back while the incident is young, when a callee turns out anomalous", () => {
      // orders' CPU spikes at 200 (rank 1). inventory calls payments; its memory rises at 203 (alarm
      // 204), payments' CPU only at 207 (alarm 210): inventory's rise was payments' doing
      const seen: Record<number, string> = {};
      follow(
        { gateway: ['orders', 'inventory'], inventory: ['payments'] },
        240,
        (s, i) => {
          if (s === 'orders')
            return {
              v: [0.2 + w(i, 1) + (i >= 200 ? 0.9 : 0), 1e7 * w(i, 2), 40 + w(i, 3)],
              score: i >= 200 ? 1.9 : 0.1,
              top: 'cpu',
            };
          if (s === 'inventory')
            return {
              v: [0.2 + w(i, 4), 1e7 * w(i, 5) + (i >= 203 ? 6e5 : 0), 40 + w(i, 6)],
              score: i >= 204 ? 1.5 : 0.1,
              top: 'memory',
            };
          return {
            v: [0.2 + w(i, 7) + (i >= 207 ? 0.3 : 0), 1e7 * w(i, 8), 40 + w(i, 9)],
            score: i >= 210 ? 1.4 : 0.1,
            top: 'cpu',
          };
        },
        ['orders', 'inventory', 'payments'],
        (i, rc) => {
          if ([205, 212, 239].includes(i)) seen[i] = causes(rc).inventory;
        },
      );
      expect(seen).toEqual({ 205: 'inventory', 212: 'orders', 239: 'orders' });
    });

    it('refuses own-cause kinds that travel or are demand, and a kind listed twice', () => {
      expect(() => RootCauseSettings.parse({ ownCauseKinds: ['latency'] })).toThrow();
      expect(() => RootCauseSettings.parse({ ownCauseKinds: ['traffic'] })).toThrow();
      expect(() => RootCauseSettings.parse({ ownCauseKinds: ['saturation', 'saturation'] })).toThrow(/twice/);
      expect(RootCauseSettings.parse({}).ownCauseKinds).toEqual(['saturation']);
    });
  });

  it('names the cause by its label value when two entities share it, so the alert can match it', () => {
    // groupBy finer than the graph's nodes: two replicas of orders, both with the fault
    const rc = new LiveRootCause({
      name: 'shop',
      groupBy: ['service', 'instance'],
      queries: { cpu: 'q1', latency: 'q2' },
      intervalSeconds: 15,
      rootCause: RootCauseSettings.parse({ dependencies: { gateway: ['orders'] }, closeAfterPoints: 4 }),
    });
    for (let i = 0; i < 206; i++) {
      const t = T0 + i * STEP;
      const sick = i >= 200;
      const wobble = 0.01 * Math.sin(i * 1.7);
      for (const instance of ['a', 'b'])
        rc.observe(
          `service="orders",instance="${instance}"`,
          { service: 'orders', instance },
          t,
          [0.2 + wobble + (sick ? 0.6 : 0), 0.05 + wobble + (sick ? 0.5 : 0)],
          {
            score: sick ? 1.7 : 0.1,
            contributions: [],
          },
        );
      rc.observe(
        'service="gateway",instance="g"',
        { service: 'gateway', instance: 'g' },
        t,
        [0.3 + wobble, 0.12 + wobble + (sick ? 0.9 : 0)],
        {
          score: sick ? 1.8 : 0.1,
          contributions: [],
        },
      );
      rc.endCycle(t);
    }
    expect(rc.memberships().map((m) => m.rootCause)).toEqual(['orders', 'orders', 'orders']);
  });

  it('ranks the alarmed entity over a quiet one while the window is still too short to judge their series', () => {
    const rc = gatewayOverInventory();
    for (let i = 0; i < 25; i++) {
      const t = T0 + i * 1000;
      rc.observe('service="inventory"', { service: 'inventory' }, t, [i >= 20 ? 0.3 : 0, 0], {
        score: i >= 20 ? 1.8 : 0.1,
        contributions: [],
      });
      rc.observe('service="gateway"', { service: 'gateway' }, t, [0, 0], { score: 0.1, contributions: [] });
      rc.endCycle(t);
    }
    // nothing has the 30 points of history the ranker needs: the detector's score is the evidence
    expect(rc.verdicts()[0]).toMatchObject({ entity: 'inventory' });
    expect(rc.memberships()[0].rootCause).toBe('inventory');
  });

  it('exports nothing while no entity is above the line', () => {
    expect(run(10_000, 230).verdicts()).toEqual([]);
  });
});
