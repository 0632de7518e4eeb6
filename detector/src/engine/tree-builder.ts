import { averagePathLength } from './path-length';
import { Prng } from './prng';

/** Grows one tree of the implicit layout from the current sample (indices into `data`). */
export class TreeBuilder {
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
