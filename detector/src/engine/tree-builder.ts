import { averagePathLength } from './path-length';
import { Prng } from './prng';

/** Grows one tree of the implicit layout from the current sample (indices into `data`). */
export class TreeBuilder {
  private feat: Int32Array = new Int32Array(0);
  private thr: Float64Array = new Float64Array(0);
  private leaf: Float64Array = new Float64Array(0);
  private readonly internal: number;
  /** Offsets of the current tree in the forest's split and leaf arrays. */
  private nodeBase = 0;
  private leafBase = 0;
  /** The last chosen split (fields, not a returned tuple: one per node would be garbage). */
  private splitFeature = 0;
  private splitValue = 0;

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

  /** Grows the tree whose internal nodes start at `nodeBase` in feat/thr and leaves at `leafBase` in leaf. */
  build(feat: Int32Array, thr: Float64Array, leaf: Float64Array, nodeBase: number, leafBase: number): void {
    this.feat = feat;
    this.thr = thr;
    this.leaf = leaf;
    this.nodeBase = nodeBase;
    this.leafBase = leafBase;
    this.grow(0, 0, 0, this.sample.length);
  }

  private grow(node: number, depth: number, lo: number, hi: number): void {
    const size = hi - lo;
    if (depth === this.levels || size <= 1) return this.makeLeaf(node, depth, size);
    if (!this.chooseSplit(lo, hi)) return this.makeLeaf(node, depth, size);
    const f = this.splitFeature;
    const p = this.splitValue;
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
    this.feat[this.nodeBase + node] = f;
    this.thr[this.nodeBase + node] = p;
    this.grow(2 * node + 1, depth + 1, lo, i);
    this.grow(2 * node + 2, depth + 1, i, hi);
  }

  /** A random feature that is not constant on this node's points, and a uniform split in (min, max]. */
  private chooseSplit(lo: number, hi: number): boolean {
    const w = this.width;
    const order = this.order;
    const data = this.data;
    const sample = this.sample;
    for (let j = 0; j < w; j++) order[j] = j;
    for (let tried = 0; tried < w; tried++) {
      const r = tried + this.rng.int(w - tried);
      const f = order[r];
      order[r] = order[tried];
      order[tried] = f;
      let min = Infinity;
      let max = -Infinity;
      for (let i = lo; i < hi; i++) {
        const v = data[sample[i] * w + f];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max > min) {
        let p = min + this.rng.next() * (max - min);
        if (!(p > min)) p = min + (max - min) / 2;
        if (!(p > min)) p = max; // adjacent doubles: split exactly at max still separates them
        this.splitFeature = f;
        this.splitValue = p;
        return true;
      }
    }
    return false;
  }

  /** Marks `node` a leaf: pads its subtree with always-left splits and stores depth + c(size). */
  private makeLeaf(node: number, depth: number, size: number): void {
    const value = depth + averagePathLength(size);
    let first = node;
    let count = 1;
    for (let l = depth; l < this.levels; l++) {
      for (let k = first; k < first + count; k++) {
        this.feat[this.nodeBase + k] = 0;
        this.thr[this.nodeBase + k] = Infinity;
      }
      first = 2 * first + 1;
      count *= 2;
    }
    const start = first - this.internal;
    for (let k = start; k < start + count; k++) this.leaf[this.leafBase + k] = value;
  }
}
