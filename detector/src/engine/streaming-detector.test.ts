import { DetectorError } from '../errors';
import { Prng } from './prng';
import { ScoredPoint, StreamingDetector } from './streaming-detector';

const STEP = 15_000;
const FEATURES = ['cpu', 'memory', 'latency'];

/** Service-like metrics: cpu and latency follow load, memory is flat with noise. */
function normalRow(rng: Prng, i: number): number[] {
  const g = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const load = 1 + 0.3 * Math.sin(i / 50);
  return [0.4 * load + 0.02 * g(), 500 + 5 * g(), 0.1 * load + 0.005 * g()];
}

function run(
  d: StreamingDetector,
  n: number,
  seed: number,
  t0 = 0,
  tweak?: (i: number, row: number[]) => void,
): ScoredPoint[] {
  const rng = new Prng(seed);
  const out: ScoredPoint[] = [];
  for (let i = 0; i < n; i++) {
    const row = normalRow(rng, i);
    tweak?.(i, row);
    out.push(d.push(t0 + i * STEP, row));
  }
  return out;
}

const base = { features: FEATURES, warmup: 100, trainingWindow: 600, refitEvery: 100, zWindow: 30, seed: 3 };

describe('StreamingDetector', () => {
  it('gives no score and no anomaly while warming up, then fits once warm', () => {
    const d = new StreamingDetector(base);
    expect(d.warm).toBe(false);
    expect(d.fittedAt).toBeNull();
    const points = run(d, 200, 1, 0, (i, row) => {
      if (i === 50) row[0] = 50; // a huge spike during warm-up must not be reported
    });
    const firstScored = points.findIndex((p) => p.score !== null);
    expect(
      points
        .slice(0, firstScored)
        .every((p) => p.score === null && !p.anomaly && p.contributions.length === 0),
    ).toBe(true);
    // 29 rows build the z baseline + 100 warm-up rows, then the first scored row.
    expect(firstScored).toBeGreaterThanOrEqual(base.warmup);
    expect(d.warm).toBe(true);
    expect(d.fittedAt).toBe(points[firstScored - 1].timestamp);
  });

  it('refits every refitEvery scored samples', () => {
    const d = new StreamingDetector(base);
    const fits: number[] = [];
    let last: number | null = null;
    run(d, 600, 2, 0, () => {
      if (d.fittedAt !== last) {
        last = d.fittedAt;
        if (last !== null) fits.push(last);
      }
    });
    expect(fits.length).toBeGreaterThanOrEqual(4);
    const gaps = fits.slice(1).map((t, i) => (t - fits[i]) / STEP);
    expect(gaps.every((g) => g === base.refitEvery)).toBe(true);
  });

  it('is calibrated: about `contamination` of normal samples score above 1, the typical one near 0', () => {
    const d = new StreamingDetector({ ...base, contamination: 0.02, trainingWindow: 1000 });
    const scored = run(d, 3000, 4).filter((p) => p.score !== null);
    const above = scored.filter((p) => (p.score as number) > 1).length / scored.length;
    expect(above).toBeGreaterThan(0.002);
    expect(above).toBeLessThan(0.08);
    const sorted = scored.map((p) => p.score as number).sort((a, b) => a - b);
    expect(sorted[sorted.length >> 1]).toBeLessThan(0.3);
    expect(scored.every((p) => p.anomaly === (p.score as number) > 1)).toBe(true);
  });

  it.each([
    ['cpu', 0, (r: number[]) => (r[0] += 0.5)],
    ['memory', 1, (r: number[]) => (r[1] -= 80)],
    ['latency', 2, (r: number[]) => (r[2] *= 4)],
  ])('flags an injected %s fault and attributes it to that metric', (feature, _index, inject) => {
    const d = new StreamingDetector(base);
    const points = run(d, 500, 5, 0, (i, row) => {
      if (i === 450) inject(row);
    });
    const p = points[450];
    expect(p.anomaly).toBe(true);
    expect(p.score as number).toBeGreaterThan(1);
    const top = [...p.contributions].sort((a, b) => b.contribution - a.contribution)[0];
    expect(top.feature).toBe(feature);
    expect(top.contribution).toBeGreaterThan(0.5);
    expect(p.contributions.map((c) => c.feature)).toEqual(FEATURES);
    expect(p.contributions.reduce((a, c) => a + c.contribution, 0)).toBeCloseTo(1, 10);
  });

  it('does not learn from incidents: a sustained fault stays anomalous across refits unless exclusion is off', () => {
    const fault = (i: number, row: number[]): void => {
      if (i >= 400) row[1] += 150;
    };
    const share = (excludeAnomalies: boolean): number => {
      const d = new StreamingDetector({ ...base, excludeAnomalies, refitEvery: 25, acceptAfter: 10_000 });
      const pts = run(d, 700, 6, 0, fault).slice(600);
      return pts.filter((p) => p.anomaly).length / pts.length;
    };
    expect(share(true)).toBeGreaterThan(0.9);
    expect(share(false)).toBeLessThan(0.5);
  });

  it('reports gaps as missing with no score, and keeps going', () => {
    const d = new StreamingDetector(base);
    run(d, 300, 7);
    const gap = d.push(300 * STEP, [0.4, null, 0.1]);
    expect(gap).toMatchObject({ score: null, anomaly: false, status: 'missing', contributions: [] });
    const next = d.push(301 * STEP, [0.4, 500, 0.1]);
    expect(next.score).not.toBeNull();
  });

  it('round-trips its state: a restored detector scores the next samples identically', () => {
    const d = new StreamingDetector(base);
    run(d, 350, 8);
    const copy = StreamingDetector.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    expect(copy.warm).toBe(true);
    expect(copy.fittedAt).toBe(d.fittedAt);
    const a = run(d, 150, 9, 350 * STEP);
    const b = run(copy, 150, 9, 350 * STEP);
    expect(b).toEqual(a);
  });

  it.each([
    [{ warmup: 1 }, 'warmup'],
    [{ contamination: 0.7 }, 'contamination'],
    [{ trainingWindow: 50, warmup: 100 }, 'warmup'],
    [{ refitEvery: 0 }, 'refitEvery'],
    [{ excludeAbove: 0.5 }, 'excludeAbove'],
  ])('rejects options %j naming the field', (opts, field) => {
    let err: DetectorError | null = null;
    try {
      new StreamingDetector({ ...base, ...opts });
    } catch (e) {
      err = e as DetectorError;
    }
    expect(err?.code).toBe('INVALID_OPTIONS');
    expect(err?.field).toBe(field);
  });

  it('rejects a snapshot that is not one', () => {
    expect(() => StreamingDetector.fromJSON({ format: 'x' })).toThrow(
      /not a homeostat.streaming-detector v1 snapshot/,
    );
  });
});

describe('StreamingDetector attributeAbove', () => {
  it('skips contributions below the floor without changing any score', () => {
    const opts = {
      features: ['a', 'b'],
      warmup: 32,
      trainingWindow: 200,
      refitEvery: 40,
      trees: 20,
      sampleSize: 32,
    };
    const all = new StreamingDetector(opts);
    const floored = new StreamingDetector({ ...opts, attributeAbove: 0.8 });
    let skipped = 0;
    for (let i = 0; i < 600; i++) {
      const row = [Math.sin(i / 9) + (i === 400 ? 9 : 0), Math.cos(i / 13) + 0.01 * (i % 7)];
      const p = all.push(i * 1000, row);
      const q = floored.push(i * 1000, row);
      expect(q.score).toBe(p.score);
      if (q.score === null) continue;
      if (q.score >= 0.8) expect(q.contributions).toEqual(p.contributions);
      else {
        expect(q.contributions).toEqual([]);
        skipped++;
      }
    }
    expect(skipped).toBeGreaterThan(100);
  });

  it('rejects a negative floor', () => {
    expect(() => new StreamingDetector({ features: ['a'], attributeAbove: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', field: 'attributeAbove' }),
    );
  });
});
