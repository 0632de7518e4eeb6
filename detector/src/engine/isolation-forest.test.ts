import { DetectorError } from '../errors';
import { averagePathLength, IsolationForest } from './isolation-forest';
import { Prng } from './prng';

function gaussianRows(n: number, width: number, seed: number): number[][] {
  const rng = new Prng(seed);
  const g = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Array.from({ length: n }, () => Array.from({ length: width }, g));
}

describe('averagePathLength c(n)', () => {
  it.each([
    [0, 0],
    [1, 0],
    [2, 1],
  ])('c(%i) = %d by definition', (n, expected) => expect(averagePathLength(n)).toBe(expected));

  it.each([3, 10, 256, 1000])('c(%i) = 2 H(n-1) - 2 (n-1)/n with H(i) = ln i + γ', (n) => {
    const h = Math.log(n - 1) + 0.5772156649015329;
    expect(averagePathLength(n)).toBeCloseTo(2 * h - (2 * (n - 1)) / n, 12);
  });

  it('c(256) is the textbook 10.2448', () => expect(averagePathLength(256)).toBeCloseTo(10.2448, 3));
});

describe('IsolationForest', () => {
  const rows = gaussianRows(2000, 4, 7);

  it('gives identical scores for the same seed and different ones for another seed', () => {
    const probe = gaussianRows(200, 4, 8);
    const a = new IsolationForest({ seed: 42 }).fit(rows).score(probe);
    const b = new IsolationForest({ seed: 42 }).fit(rows).score(probe);
    const c = new IsolationForest({ seed: 43 }).fit(rows).score(probe);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('scores an isolated point well above the bulk, and all scores lie in [0, 1]', () => {
    const forest = new IsolationForest({ seed: 1 }).fit(rows);
    const bulk = forest.score(rows);
    const [centre, outlier] = forest.score([
      [0, 0, 0, 0],
      [6, -6, 6, -6],
    ]);
    const mean = bulk.reduce((a, b) => a + b, 0) / bulk.length;
    expect(outlier).toBeGreaterThan(0.65);
    expect(outlier).toBeGreaterThan(Math.max(...bulk.slice(0, 100)) - 0.05);
    expect(centre).toBeLessThan(mean);
    for (const s of bulk) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('gives the same scores through the typed-array entry points', () => {
    const forest = new IsolationForest({ seed: 5 }).fit(rows);
    const flat = Float64Array.from(rows.slice(0, 50).flat());
    const viaRows = forest.score(rows.slice(0, 50));
    expect(Array.from(forest.scoreMatrix(flat, 4))).toEqual(Array.from(viaRows));
    expect(forest.scoreOne(rows[3])).toBeCloseTo(viaRows[3], 12);
    const fromMatrix = new IsolationForest({ seed: 5 }).fitMatrix(Float64Array.from(rows.flat()), 4);
    expect(Array.from(fromMatrix.score(rows.slice(0, 50)))).toEqual(Array.from(viaRows));
  });

  it('round-trips exactly through JSON', () => {
    const forest = new IsolationForest({ trees: 50, sampleSize: 128, seed: 9 }).fit(rows);
    const copy = IsolationForest.fromJSON(JSON.parse(JSON.stringify(forest.toJSON())));
    const probe = gaussianRows(500, 4, 10);
    expect(Array.from(copy.score(probe))).toEqual(Array.from(forest.score(probe)));
    expect(copy.trees).toBe(50);
    expect(copy.sampleSize).toBe(128);
  });

  it('uses fewer points than ψ when the data are smaller, and handles constant columns', () => {
    const small = Array.from({ length: 20 }, (_, i) => [i, 5]);
    const forest = new IsolationForest({ seed: 1 }).fit(small);
    const [inside, far] = forest.score([
      [10, 5],
      [10, 50],
    ]);
    expect(Number.isFinite(inside)).toBe(true);
    expect(far).toBeGreaterThanOrEqual(inside);
    const constant = new IsolationForest({ seed: 1 }).fit(Array.from({ length: 50 }, () => [1, 1]));
    expect(Array.from(constant.score([[1, 1]]))[0]).toBeCloseTo(
      Math.pow(2, -averagePathLength(50) / averagePathLength(50)),
      12,
    );
  });

  it.each([
    ['no rows', [], 'EMPTY_INPUT', /no rows/],
    ['ragged rows', [[1, 2], [3]], 'RAGGED_ROWS', /row 1 has 1 values, row 0 has 2/],
    [
      'NaN',
      [
        [1, 2],
        [NaN, 3],
      ],
      'NON_FINITE_VALUE',
      /row 1, column 0 is NaN/,
    ],
    ['Infinity', [[1, Infinity]], 'NON_FINITE_VALUE', /row 0, column 1 is Infinity/],
  ])('fit rejects %s with a named error', (_name, bad, code, message) => {
    const err = captureError(() => new IsolationForest().fit(bad as number[][]));
    expect(err).toBeInstanceOf(DetectorError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.statusCode).toBe(400);
  });

  it('score rejects rows of the wrong width and refuses to score before fit', () => {
    const forest = new IsolationForest().fit(rows);
    const wrong = captureError(() => forest.score([[1, 2, 3]]));
    expect(wrong.code).toBe('WRONG_WIDTH');
    expect(wrong.message).toMatch(/3 features but the model was fitted on 4/);
    expect(captureError(() => new IsolationForest().score([[1]])).code).toBe('NOT_FITTED');
  });

  it.each([
    [{ trees: 0 }, 'trees'],
    [{ sampleSize: 1 }, 'sampleSize'],
    [{ seed: NaN }, 'seed'],
  ])('rejects options %j naming the field', (opts, field) => {
    const err = captureError(() => new IsolationForest(opts));
    expect(err.code).toBe('INVALID_OPTIONS');
    expect(err.field).toBe(field);
  });

  it('rejects a corrupted snapshot', () => {
    const json = new IsolationForest({ trees: 5 }).fit(rows).toJSON();
    expect(captureError(() => IsolationForest.fromJSON({ ...json, leafDepth: 'AAAA' })).code).toBe(
      'INVALID_STATE',
    );
    expect(captureError(() => IsolationForest.fromJSON({ nope: 1 })).code).toBe('INVALID_STATE');
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
