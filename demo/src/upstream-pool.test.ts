import { UpstreamPool, normalizeUrl } from './upstream-pool';

const A = 'http://127.0.0.1:1';
const B = 'http://127.0.0.1:2';
const C = 'http://127.0.0.1:3';

function counts(pool: UpstreamPool, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const u = pool.pick()!;
    out[u] = (out[u] ?? 0) + 1;
  }
  return out;
}

describe('UpstreamPool', () => {
  it('spreads evenly and gives a new replica its share from the next request', () => {
    const p = new UpstreamPool('orders');
    p.setSource('static', [A, B]);
    expect(counts(p, 10)).toEqual({ [A]: 5, [B]: 5 });
    p.add(C);
    expect(counts(p, 9)).toEqual({ [A]: 3, [B]: 3, [C]: 3 });
  });

  it.each([
    [{ [A]: 3, [B]: 1 }, 400, { [A]: 300, [B]: 100 }],
    [{ [A]: 0 }, 100, { [B]: 100 }],
    [{ [A]: 1, [B]: 9 }, 100, { [A]: 10, [B]: 90 }],
  ])('weights %j shift traffic exactly', (weights, n, expected) => {
    const p = new UpstreamPool('orders');
    p.setSource('static', [A, B]);
    p.setWeights(weights);
    expect(counts(p, n)).toEqual(expected);
  });

  it('rejects weights for unknown replicas or out of range, changing nothing', () => {
    const p = new UpstreamPool('orders');
    p.setSource('static', [A]);
    expect(() => p.setWeights({ [A]: 2, [B]: 1 })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_UPSTREAM', field: `weights.${B}` }),
    );
    expect(() => p.setWeights({ [A]: -1 })).toThrow(expect.objectContaining({ field: `weights.${A}` }));
    expect(p.list()[0].weight).toBe(1);
  });

  it('skips an ejected replica until its ejection ends, but never leaves the service without one', () => {
    let now = 0;
    const p = new UpstreamPool('orders', () => now);
    p.setSource('static', [A, B]);
    p.eject(A, 1000);
    expect(counts(p, 4)).toEqual({ [B]: 4 });
    expect(p.inRotation()).toBe(1);
    p.eject(B, 1000);
    expect(p.pick()).toBeDefined();
    now = 1001;
    expect(p.inRotation()).toBe(2);
  });

  it('a source refresh only touches its own replicas', () => {
    const p = new UpstreamPool('orders');
    p.setSource('dns', [A, B]);
    p.add(C, 'admin');
    p.setSource('dns', [B]);
    expect(
      p
        .list()
        .map((r) => r.url)
        .sort(),
    ).toEqual([B, C]);
    expect(p.remove(`${C}/`)).toBe(true);
    expect(p.has(C)).toBe(false);
  });

  it('normalizes urls and refuses non-http ones', () => {
    expect(normalizeUrl('http://127.0.0.1:8101/')).toBe('http://127.0.0.1:8101');
    expect(() => normalizeUrl('ftp://x')).toThrow(/only http/);
    expect(() => normalizeUrl('nope')).toThrow(/not a URL/);
  });
});
