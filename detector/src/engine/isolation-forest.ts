import { DetectorError } from '../errors';
import { base64ToFloat64, base64ToInt32, float64ToBase64, int32ToBase64 } from './base64';
import { checkMatrix, toMatrix } from './matrix';
import { Prng } from './prng';

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

const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of n points
 * (Liu, Ting and Zhou 2008), used to normalise depths and to credit leaves that hold several points.
 * c(n) = 2 H(n-1) - 2 (n-1) / n with H(i) ≈ ln(i) + γ; c(1) = 0 and c(2) = 1 exactly.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
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
      builder.build(
        this.splitFeature.subarray(t * internal, (t + 1) * internal),
        this.splitValue.subarray(t * internal, (t + 1) * internal),
        this.leafDepth.subarray(t * leaves, (t + 1) * leaves),
      );
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
    const L = this.levels;
    const d = this.width;
    const internal = (1 << L) - 1;
    const leaves = 1 << L;
    const sums = new Float64Array(n);
    const feat = this.splitFeature;
    const thr = this.splitValue;
    const leaf = this.leafDepth;
    // Tree-major order keeps one tree's nodes in L1 cache while every point walks it. Four points
    // per iteration give the CPU four independent dependency chains to overlap, the level loop is
    // unrolled by two, and `| 0` on the comparison keeps V8 on a branch-free path: split
    // directions are random, so a branch would be mispredicted half the time.
    for (let t = 0; t < this.trees; t++) {
      const f = feat.subarray(t * internal, (t + 1) * internal);
      const h = thr.subarray(t * internal, (t + 1) * internal);
      const lf = leaf.subarray(t * leaves, (t + 1) * leaves);
      let i = 0;
      for (; i + 3 < n; i += 4) {
        const b0 = i * d;
        const b1 = b0 + d;
        const b2 = b1 + d;
        const b3 = b2 + d;
        let k0 = 0;
        let k1 = 0;
        let k2 = 0;
        let k3 = 0;
        let l = 0;
        for (; l + 1 < L; l += 2) {
          k0 = 2 * k0 + 1 + (bit(data[b0 + f[k0]] >= h[k0]) | 0);
          k1 = 2 * k1 + 1 + (bit(data[b1 + f[k1]] >= h[k1]) | 0);
          k2 = 2 * k2 + 1 + (bit(data[b2 + f[k2]] >= h[k2]) | 0);
          k3 = 2 * k3 + 1 + (bit(data[b3 + f[k3]] >= h[k3]) | 0);
          k0 = 2 * k0 + 1 + (bit(data[b0 + f[k0]] >= h[k0]) | 0);
          k1 = 2 * k1 + 1 + (bit(data[b1 + f[k1]] >= h[k1]) | 0);
          k2 = 2 * k2 + 1 + (bit(data[b2 + f[k2]] >= h[k2]) | 0);
          k3 = 2 * k3 + 1 + (bit(data[b3 + f[k3]] >= h[k3]) | 0);
        }
        for (; l < L; l++) {
          k0 = 2 * k0 + 1 + (bit(data[b0 + f[k0]] >= h[k0]) | 0);
          k1 = 2 * k1 + 1 + (bit(data[b1 + f[k1]] >= h[k1]) | 0);
          k2 = 2 * k2 + 1 + (bit(data[b2 + f[k2]] >= h[k2]) | 0);
          k3 = 2 * k3 + 1 + (bit(data[b3 + f[k3]] >= h[k3]) | 0);
        }
        sums[i] += lf[k0 - internal];
        sums[i + 1] += lf[k1 - internal];
        sums[i + 2] += lf[k2 - internal];
        sums[i + 3] += lf[k3 - internal];
      }
      for (; i < n; i++) {
        const b0 = i * d;
        let k0 = 0;
        for (let l = 0; l < L; l++) k0 = 2 * k0 + 1 + (bit(data[b0 + f[k0]] >= h[k0]) | 0);
        sums[i] += lf[k0 - internal];
      }
    }
    const c = averagePathLength(this.usedSampleSize);
    const inv = c > 0 ? 1 / (this.trees * c) : 0;
    for (let i = 0; i < n; i++) sums[i] = c > 0 ? Math.pow(2, -sums[i] * inv) : 0.5;
    return sums;
  }
}

/**
 * A comparison as 0/1 for `| 0` arithmetic. TypeScript has no boolean-to-number cast, and V8
 * inlines this into the caller, so `bit(a >= b) | 0` compiles to a flag-to-register move.
 */
function bit(b: boolean): number {
  return b as unknown as number;
}

/** Grows one tree of the implicit layout from the current sample (indices into `data`). */
class TreeBuilder {
  private feat: Int32Array = new Int32Array(0);
  private thr: Float64Array = new Float64Array(0);
  private leaf: Float64Array = new Float64Array(0);
  private readonly internal: number;

  constructor(
    private readonly data: Float64Array,
    private readonly width: number,
    private readonly levels: number,
    private readonly rng: Prng,
    private readonly sample: Int32Array,
    private readonly order: Int32Array,
  ) {
    this.internal = (1 << levels) - 1;
  }

  build(feat: Int32Array, thr: Float64Array, leaf: Float64Array): void {
    this.feat = feat;
    this.thr = thr;
    this.leaf = leaf;
    this.grow(0, 0, 0, this.sample.length);
  }

  private grow(node: number, depth: number, lo: number, hi: number): void {
    const size = hi - lo;
    if (depth === this.levels || size <= 1) return this.makeLeaf(node, depth, size);
    const split = this.chooseSplit(lo, hi);
    if (split === null) return this.makeLeaf(node, depth, size);
    const [f, p] = split;
    // In-place partition: values < p to the left, >= p to the right (the walk's `>=` goes right).
    const s = this.sample;
    const d = this.data;
    const w = this.width;
    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      if (d[s[i] * w + f] < p) i++;
      else {
        const tmp = s[i];
        s[i] = s[j];
        s[j] = tmp;
        j--;
      }
    }
    this.feat[node] = f;
    this.thr[node] = p;
    this.grow(2 * node + 1, depth + 1, lo, i);
    this.grow(2 * node + 2, depth + 1, i, hi);
  }

  /** A random feature that is not constant on this node's points, and a uniform split in (min, max]. */
  private chooseSplit(lo: number, hi: number): [number, number] | null {
    const w = this.width;
    const order = this.order;
    for (let j = 0; j < w; j++) order[j] = j;
    for (let tried = 0; tried < w; tried++) {
      const r = tried + this.rng.int(w - tried);
      const f = order[r];
      order[r] = order[tried];
      order[tried] = f;
      let min = Infinity;
      let max = -Infinity;
      for (let i = lo; i < hi; i++) {
        const v = this.data[this.sample[i] * w + f];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max > min) {
        let p = min + this.rng.next() * (max - min);
        if (!(p > min)) p = min + (max - min) / 2;
        if (!(p > min)) p = max; // adjacent doubles: split exactly at max still separates them
        return [f, p];
      }
    }
    return null;
  }

  /** Marks `node` a leaf: pads its subtree with always-left splits and stores depth + c(size). */
  private makeLeaf(node: number, depth: number, size: number): void {
    const value = depth + averagePathLength(size);
    let first = node;
    let count = 1;
    for (let l = depth; l < this.levels; l++) {
      for (let k = first; k < first + count; k++) {
        this.feat[k] = 0;
        this.thr[k] = Infinity;
      }
      first = 2 * first + 1;
      count *= 2;
    }
    const start = first - this.internal;
    for (let k = start; k < start + count; k++) this.leaf[k] = value;
  }
}
