import { DetectorError } from '../errors';
import { base64ToFloat64, base64ToInt32, float64ToBase64, int32ToBase64 } from './base64';
import { checkMatrix, toMatrix } from './matrix';
import { Prng } from './prng';
import { averagePathLength } from './path-length';
import { TreeBuilder } from './tree-builder';
import { walkDepths } from './forest-walk';

export { averagePathLength };

export interface IsolationForestOptions {
  /** Number of isolation trees (default 100). */
  trees?: number;
  /** Sub-sample size ψ drawn without replacement for each tree (default 256). */
  sampleSize?: number;
  /** PRNG seed; the same seed and data give identical scores (default 1). */
  seed?: number;
}

export interface IsolationForestJSON {
  format: 'homeostat.isolation-forest';
  version: 1;
  trees: number;
  sampleSize: number;
  seed: number;
  width: number;
  levels: number;
  usedSampleSize: number;
  /** Base64 of the Int32Array / Float64Array bytes (little-endian), exact. */
  splitFeature: string;
  splitValue: string;
  leafDepth: string;
}

/**
 * Isolation Forest (Liu, Ting and Zhou 2008) with a flat, implicit tree layout: every tree is a
 * complete binary tree of `levels` = ceil(log2 ψ) split levels (node k has children 2k+1, 2k+2).
 * A branch that stops early (one point left, or all points equal) is padded with splits at +∞
 * that always go left, and its leaves carry depth + c(size). Scoring is then a fixed-length,
 * branch-free walk over typed arrays, which is what makes it fast.
 */
export class IsolationForest {
  readonly trees: number;
  readonly sampleSize: number;
  readonly seed: number;
  private width = 0;
  private levels = 0;
  private usedSampleSize = 0;
  private splitFeature: Int32Array = new Int32Array(0);
  private splitValue: Float64Array = new Float64Array(0);
  private leafDepth: Float64Array = new Float64Array(0);

  constructor(options: IsolationForestOptions = {}) {
    const { trees = 100, sampleSize = 256, seed = 1 } = options;
    if (!Number.isInteger(trees) || trees < 1) {
      throw new DetectorError('INVALID_OPTIONS', `trees must be a positive integer, got ${trees}`, {
        field: 'trees',
      });
    }
    if (!Number.isInteger(sampleSize) || sampleSize < 2) {
      throw new DetectorError('INVALID_OPTIONS', `sampleSize must be an integer >= 2, got ${sampleSize}`, {
        field: 'sampleSize',
      });
    }
    if (!Number.isFinite(seed)) {
      throw new DetectorError('INVALID_OPTIONS', `seed must be a finite number, got ${seed}`, {
        field: 'seed',
      });
    }
    this.trees = trees;
    this.sampleSize = sampleSize;
    this.seed = seed;
  }

  get fitted(): boolean {
    return this.width > 0;
  }

  /** Number of features the model was fitted on (0 before fit). */
  get numFeatures(): number {
    return this.width;
  }

  fit(rows: ArrayLike<ArrayLike<number>>): this {
    const m = toMatrix(rows);
    return this.fitUnchecked(m.data, m.rows, m.width);
  }

  /** Typed-array entry point: `data` is row-major with `width` values per row. */
  fitMatrix(data: Float64Array, width: number): this {
    const n = checkMatrix(data, width);
    return this.fitUnchecked(data, n, width);
  }

  /**
   * Fits and returns each training row's out-of-bag score: s(x, ψ) from only the trees whose
   * sub-sample did not contain the row, so it is scored as unseen data would be. In-sample scores
   * run systematically low, which would set a calibration threshold too low. NaN for a row that
   * every tree sampled (only when ψ equals the number of rows).
   */
  fitOutOfBag(data: Float64Array, width: number): Float64Array {
    const n = checkMatrix(data, width);
    const oob = { sums: new Float64Array(n), counts: new Int32Array(n) };
    this.fitUnchecked(data, n, width, oob);
    const c = averagePathLength(this.usedSampleSize);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = oob.counts[i] === 0 ? NaN : c > 0 ? Math.pow(2, -oob.sums[i] / oob.counts[i] / c) : 0.5;
    }
    return out;
  }

  /** Anomaly scores s(x, ψ) = 2^(−E[h(x)] / c(ψ)) in [0, 1]; higher is more anomalous. */
  score(rows: ArrayLike<ArrayLike<number>>): Float64Array {
    this.assertFitted();
    const m = toMatrix(rows, this.width);
    return this.scoreUnchecked(m.data, m.rows);
  }

  scoreMatrix(data: Float64Array, width: number = this.width): Float64Array {
    this.assertFitted();
    const n = checkMatrix(data, width, this.width);
    return this.scoreUnchecked(data, n);
  }

  /** One row, no allocation beyond the result; the streaming detector's hot path. */
  scoreOne(row: ArrayLike<number>): number {
    this.assertFitted();
    if (row.length !== this.width) {
      throw new DetectorError(
        'WRONG_WIDTH',
        `row has ${row.length} features but the model was fitted on ${this.width}`,
        {
          field: 'row',
        },
      );
    }
    for (let j = 0; j < row.length; j++) {
      if (!Number.isFinite(row[j])) {
        throw new DetectorError(
          'NON_FINITE_VALUE',
          `column ${j} is ${row[j]}: values must be finite numbers`,
          {
            field: `row.${j}`,
          },
        );
      }
    }
    const L = this.levels;
    const internal = (1 << L) - 1;
    const leaves = 1 << L;
    const feat = this.splitFeature;
    const thr = this.splitValue;
    const leaf = this.leafDepth;
    let sum = 0;
    for (let t = 0; t < this.trees; t++) {
      const fo = t * internal;
      let k = 0;
      for (let l = 0; l < L; l++) k = 2 * k + 1 + (row[feat[fo + k]] >= thr[fo + k] ? 1 : 0);
      sum += leaf[t * leaves + k - internal];
    }
    return this.toScore(sum / this.trees);
  }

  toJSON(): IsolationForestJSON {
    this.assertFitted();
    return {
      format: 'homeostat.isolation-forest',
      version: 1,
      trees: this.trees,
      sampleSize: this.sampleSize,
      seed: this.seed,
      width: this.width,
      levels: this.levels,
      usedSampleSize: this.usedSampleSize,
      splitFeature: int32ToBase64(this.splitFeature),
      splitValue: float64ToBase64(this.splitValue),
      leafDepth: float64ToBase64(this.leafDepth),
    };
  }

  static fromJSON(json: unknown): IsolationForest {
    const j = json as Partial<IsolationForestJSON> | null;
    if (!j || typeof j !== 'object' || j.format !== 'homeostat.isolation-forest' || j.version !== 1) {
      throw new DetectorError('INVALID_STATE', 'not a homeostat.isolation-forest v1 snapshot', {
        field: 'format',
      });
    }
    const f = new IsolationForest({ trees: j.trees, sampleSize: j.sampleSize, seed: j.seed });
    const ints: Array<keyof IsolationForestJSON> = ['width', 'levels', 'usedSampleSize'];
    for (const k of ints) {
      if (!Number.isInteger(j[k]) || (j[k] as number) < 1) {
        throw new DetectorError('INVALID_STATE', `snapshot field ${k} must be a positive integer`, {
          field: k,
        });
      }
    }
    const L = j.levels as number;
    const internal = (1 << L) - 1;
    f.width = j.width as number;
    f.levels = L;
    f.usedSampleSize = j.usedSampleSize as number;
    f.splitFeature = base64ToInt32(String(j.splitFeature ?? ''));
    f.splitValue = base64ToFloat64(String(j.splitValue ?? ''));
    f.leafDepth = base64ToFloat64(String(j.leafDepth ?? ''));
    if (
      f.splitFeature.length !== f.trees * internal ||
      f.splitValue.length !== f.trees * internal ||
      f.leafDepth.length !== f.trees * (internal + 1)
    ) {
      throw new DetectorError('INVALID_STATE', 'snapshot arrays do not match trees and levels', {
        field: 'splitValue',
      });
    }
    for (let k = 0; k < f.splitFeature.length; k++) {
      const v = f.splitFeature[k];
      if (v < 0 || v >= f.width) {
        throw new DetectorError('INVALID_STATE', `snapshot split feature ${v} is out of range`, {
          field: 'splitFeature',
        });
      }
    }
    return f;
  }

  private assertFitted(): void {
    if (!this.fitted) throw new DetectorError('NOT_FITTED', 'the forest is not fitted: call fit() first');
  }

  private toScore(meanDepth: number): number {
    const c = averagePathLength(this.usedSampleSize);
    return c > 0 ? Math.pow(2, -meanDepth / c) : 0.5;
  }

  private fitUnchecked(
    data: Float64Array,
    n: number,
    width: number,
    oob?: { sums: Float64Array; counts: Int32Array },
  ): this {
    const psi = Math.min(this.sampleSize, n);
    const L = Math.max(1, Math.ceil(Math.log2(Math.max(2, psi))));
    const internal = (1 << L) - 1;
    const leaves = 1 << L;
    this.width = width;
    this.levels = L;
    this.usedSampleSize = psi;
    this.splitFeature = new Int32Array(this.trees * internal);
    this.splitValue = new Float64Array(this.trees * internal);
    this.leafDepth = new Float64Array(this.trees * leaves);
    const rng = new Prng(this.seed);
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    const sample = new Int32Array(psi);
    const order = new Int32Array(width);
    const builder = new TreeBuilder(data, width, L, rng, sample, order);
    for (let t = 0; t < this.trees; t++) {
      // Partial Fisher–Yates: ψ draws without replacement in O(ψ); the pool stays a permutation.
      for (let s = 0; s < psi; s++) {
        const r = s + rng.int(n - s);
        const tmp = pool[s];
        pool[s] = pool[r];
        pool[r] = tmp;
        sample[s] = pool[s];
      }
      builder.build(this.splitFeature, this.splitValue, this.leafDepth, t * internal, t * leaves);
      // pool[0..ψ) is this tree's sample; every other row is out of bag for it.
      if (oob) this.walkOutOfBag(t, data, width, pool, psi, oob);
    }
    return this;
  }

  private walkOutOfBag(
    t: number,
    data: Float64Array,
    width: number,
    pool: Int32Array,
    psi: number,
    oob: { sums: Float64Array; counts: Int32Array },
  ): void {
    const L = this.levels;
    const internal = (1 << L) - 1;
    const fo = t * internal;
    const lo = t * (internal + 1) - internal;
    const feat = this.splitFeature;
    const thr = this.splitValue;
    for (let s = psi; s < pool.length; s++) {
      const i = pool[s];
      const b = i * width;
      let k = 0;
      for (let l = 0; l < L; l++) k = 2 * k + 1 + (data[b + feat[fo + k]] >= thr[fo + k] ? 1 : 0);
      oob.sums[i] += this.leafDepth[lo + k];
      oob.counts[i]++;
    }
  }

  private scoreUnchecked(data: Float64Array, n: number): Float64Array {
    const sums = new Float64Array(n);
    walkDepths(
      this.splitFeature,
      this.splitValue,
      this.leafDepth,
      this.trees,
      this.levels,
      data,
      n,
      this.width,
      sums,
    );
    const c = averagePathLength(this.usedSampleSize);
    const inv = c > 0 ? 1 / (this.trees * c) : 0;
    for (let i = 0; i < n; i++) sums[i] = c > 0 ? Math.pow(2, -sums[i] * inv) : 0.5;
    return sums;
  }
}
