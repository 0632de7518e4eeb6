import { DetectorError } from '../errors';
import { FeaturePipeline } from './feature-pipeline';

const MIN = 60_000;

function warm(p: FeaturePipeline, values: number[][], t0 = 0): number {
  values.forEach((v, i) => p.push(t0 + i * MIN, v));
  return t0 + values.length * MIN;
}

describe('FeaturePipeline', () => {
  it('names its columns: value, delta, robust z per metric, then time features', () => {
    const p = new FeaturePipeline(['cpu', 'mem'], { timeFeatures: true });
    expect(p.columns).toEqual([
      'cpu',
      'cpu.delta',
      'cpu.z',
      'mem',
      'mem.delta',
      'mem.z',
      'time.day_sin',
      'time.day_cos',
      'time.week_sin',
      'time.week_cos',
    ]);
    expect(Array.from(p.columnMetric)).toEqual([0, 0, 0, 1, 1, 1, -1, -1, -1, -1]);
  });

  it('warms up until the z-score has a baseline, then gives value, delta and robust z against the past only', () => {
    const p = new FeaturePipeline(['x'], { zWindow: 9 });
    const steps = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((v, i) => p.push(i * MIN, [v]));
    expect(steps.slice(0, 8).every((s) => s.status === 'warming' && s.row === null)).toBe(true);
    // Baseline of the 9th value is 1..8: median 4.5, MAD 2 → scale 2.9652; x = 9 → z = 4.5 / 2.9652.
    expect(steps[8].status).toBe('ok');
    expect(steps[8].row?.[0]).toBe(9);
    expect(steps[8].row?.[1]).toBe(1);
    expect(steps[8].row?.[2]).toBeCloseTo(4.5 / (1.4826 * 2), 10);
    // Baseline now 1..9: median 5, MAD 2; x = 11 → z = 6 / 2.9652 = 2.0235.
    const next = p.push(9 * MIN, [11]);
    expect(next.row?.[1]).toBe(2);
    expect(next.row?.[2]).toBeCloseTo(6 / (1.4826 * 2), 10);
  });

  it.each([
    ['null', null],
    ['NaN', NaN],
    ['Infinity', Infinity],
  ])('treats a %s value as a gap: no row, never a zero', (_name, bad) => {
    const p = new FeaturePipeline(['cpu', 'mem'], { zWindow: 8 });
    const t = warm(
      p,
      Array.from({ length: 12 }, (_, i) => [10 + (i % 3), 50 + (i % 2)]),
    );
    const gap = p.push(t, [bad as number | null, 51]);
    expect(gap).toEqual({ status: 'missing', row: null, problems: ['cpu'] });
    // After the gap the delta spans back to the last real cpu value (i = 11: 10 + 11 % 3 = 12).
    const after = p.push(t + MIN, [13, 50]);
    expect(after.status).toBe('ok');
    expect(after.row?.[0]).toBe(13);
    expect(after.row?.[1]).toBe(13 - 12);
  });

  it('marks a metric stale when its previous sample is too old, then recovers', () => {
    const p = new FeaturePipeline(['cpu'], { zWindow: 8, staleAfterMs: 5 * MIN });
    const t = warm(
      p,
      Array.from({ length: 12 }, (_, i) => [i % 4]),
    );
    const late = p.push(t + 30 * MIN, [2]);
    expect(late.status).toBe('stale');
    expect(late.problems).toEqual(['cpu']);
    expect(p.push(t + 31 * MIN, [3]).status).toBe('ok');
  });

  it('infers staleness from the usual step when not configured', () => {
    const p = new FeaturePipeline(['cpu'], { zWindow: 8 });
    const t = warm(
      p,
      Array.from({ length: 12 }, (_, i) => [i % 4]),
    );
    expect(p.push(t, [1]).status).toBe('ok');
    expect(p.push(t + 20 * MIN, [1]).status).toBe('stale');
  });

  it('keeps a constant series finite: z 0 for the constant, clipped for a change', () => {
    const p = new FeaturePipeline(['x'], { zWindow: 16, zClip: 20 });
    const t = warm(
      p,
      Array.from({ length: 20 }, () => [7]),
    );
    const same = p.push(t, [7]);
    expect(Array.from(same.row ?? [])).toEqual([7, 0, 0]);
    const jump = p.push(t + MIN, [8]);
    expect(jump.row?.[2]).toBe(20);
    const drop = p.push(t + 2 * MIN, [6]);
    expect(Number.isFinite(drop.row?.[2])).toBe(true);
    expect(drop.row?.[2]).toBeLessThan(0);
  });

  it('adds the seasonal difference once a season of history exists', () => {
    const day = 24 * 60 * MIN;
    const p = new FeaturePipeline(['x'], { zWindow: 8, seasonMs: day / 24 }); // an hourly "season" of 60 samples
    const shape = (i: number): number => Math.sin((2 * Math.PI * i) / 60);
    const steps = Array.from({ length: 130 }, (_, i) => p.push(i * MIN, [shape(i) + (i === 125 ? 0.5 : 0)]));
    expect(steps.slice(0, 60).every((s) => s.status === 'warming')).toBe(true);
    expect(p.columns).toEqual(['x', 'x.delta', 'x.z', 'x.season']);
    expect(steps[100].row?.[3]).toBeCloseTo(0, 10);
    expect(steps[125].row?.[3]).toBeCloseTo(0.5, 10);
  });

  it('rejects time going backwards and rows of the wrong width', () => {
    const p = new FeaturePipeline(['a', 'b']);
    p.push(1000, [1, 2]);
    const back = captureError(() => p.push(1000, [1, 2]));
    expect(back.code).toBe('TIMESTAMP_NOT_INCREASING');
    const width = captureError(() => p.push(2000, [1]));
    expect(width.code).toBe('WRONG_WIDTH');
    expect(width.message).toMatch(/expected 2 values \(a, b\), got 1/);
  });

  it.each([
    [[], 'features'],
    [['a', 'a'], 'features.1'],
  ])('rejects metric list %j', (metrics, field) => {
    expect(captureError(() => new FeaturePipeline(metrics)).field).toBe(field);
  });

  it('restores its state exactly', () => {
    const a = new FeaturePipeline(['x'], { zWindow: 8 });
    const t = warm(
      a,
      Array.from({ length: 15 }, (_, i) => [Math.sin(i)]),
    );
    const b = new FeaturePipeline(['x'], { zWindow: 8 });
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    expect(Array.from(b.push(t, [0.3]).row ?? [])).toEqual(Array.from(a.push(t, [0.3]).row ?? []));
  });
});

function captureError(fn: () => unknown): DetectorError {
  try {
    fn();
  } catch (err) {
    return err as DetectorError;
  }
  throw new Error('expected an error');
}
