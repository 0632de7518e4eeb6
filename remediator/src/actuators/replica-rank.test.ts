import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusClient } from '../engine/prometheus-client';
import { rankRecord, rankReplicas, worstFirst, type InstantQuery } from './replica-rank';

const at = (port: number) => ({ port });

describe('worstFirst ranking of a restart roll', () => {
  it('orders replicas by the query, largest first; unranked ones keep their order after', () => {
    const rank = new Map([
      [3, 0.5],
      [1, 0.1],
    ]);
    expect(worstFirst([at(1), at(2), at(3), at(4)], rank).map((r) => r.port)).toEqual([3, 1, 2, 4]);
    expect(worstFirst([at(2), at(1)], null).map((r) => r.port)).toEqual([2, 1]);
  });

  it("reads each series' instance port, keeps the worst value per port and drops values that are not numbers", async () => {
    const rows: Awaited<ReturnType<InstantQuery>> = [
      { metric: { instance: '127.0.0.1:8101' }, value: 0.2 },
      { metric: { instance: '127.0.0.1:8101', code: '503' }, value: 0.7 },
      { metric: { instance: '127.0.0.1:8102' }, value: NaN },
      { metric: { job: 'no-instance' }, value: 9 },
    ];
    const r = await rankReplicas(async () => rows, 'q{service="{{service}}"}', { service: 'orders' });
    expect(r).toEqual({ rank: new Map([[8101, 0.7]]), why: null });
  });

  it('leaves the order alone, saying why, when it cannot rank', async () => {
    const ok = async () => [{ metric: { instance: 'h:1' }, value: 1 }];
    expect(await rankReplicas(ok, undefined, {})).toEqual({ rank: null, why: null });
    expect((await rankReplicas(ok, 42, {})).why).toMatch(/not a string/);
    expect((await rankReplicas(undefined, 'q', {})).why).toMatch(/prometheus.url/);
    expect((await rankReplicas(ok, 'q{pod="{{pod}}"}', { service: 'x' })).why).toMatch(
      /label the alert does not carry/,
    );
    expect((await rankReplicas(async () => [], 'q', {})).why).toMatch(/returned no replica: q/);
    const down = async () => Promise.reject(new Error('ECONNREFUSED'));
    expect((await rankReplicas(down, 'q', {})).why).toMatch(/query failed: ECONNREFUSED/);
    const never = () => new Promise<never>(() => undefined);
    expect((await rankReplicas(never, 'q', {})).why).toMatch(/query failed: no answer within 3000 ms/);
  });

  it('restarts first the replica whose value is +Inf (every request failed), as Prometheus answers it', async () => {
    // Prometheus' own wire format: infinities are "+Inf", 0/0 is "NaN"
    const server: Server = createServer((_, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'vector',
            result: [
              { metric: { instance: '127.0.0.1:8101' }, value: [1, '0.2'] },
              { metric: { instance: '127.0.0.1:8102' }, value: [1, 'NaN'] },
              { metric: { instance: '127.0.0.1:8103' }, value: [1, '+Inf'] },
            ],
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const prom = new PrometheusClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const r = await rankReplicas((e) => prom.query(e), 'errors / successes', {});
      expect(worstFirst([at(8101), at(8102), at(8103)], r.rank).map((x) => x.port)).toEqual([
        8103, 8101, 8102,
      ]);
      // the audit keeps the worst value readable
      expect(JSON.parse(JSON.stringify(rankRecord(r.rank!)))).toEqual({ 8101: 0.2, 8103: 'Infinity' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("escapes the alert's label values inside the query's quoted matchers", async () => {
    const asked: string[] = [];
    const q: InstantQuery = async (e) => {
      asked.push(e);
      return [{ metric: { instance: 'h:1' }, value: 1 }];
    };
    await rankReplicas(q, 'x{service="{{service}}"}', { service: 'a"} or vector(9) or y{z="\\' });
    expect(asked).toEqual(['x{service="a\\"} or vector(9) or y{z=\\"\\\\"}']);
  });
});
