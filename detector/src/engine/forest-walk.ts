/**
 * The batch scoring walk: sums every tree's leaf depth for every point into `sums`.
 *
 * Tree-major order keeps one tree's nodes in L1 cache while all points walk it. Eight points per
 * iteration give the CPU eight independent dependency chains to overlap, the level loop is unrolled
 * by two, and `| 0` on the comparison keeps V8 on a branch-free path: split directions are random,
 * so a branch would be mispredicted half the time. Node k's children are 2k+1 and 2k+2 (the
 * implicit layout of IsolationForest); leaves follow the 2^levels − 1 internal nodes.
 */
export function walkDepths(
  feat: Int32Array,
  thr: Float64Array,
  leaf: Float64Array,
  trees: number,
  levels: number,
  data: Float64Array,
  n: number,
  width: number,
  sums: Float64Array,
): void {
  const internal = (1 << levels) - 1;
  const leaves = internal + 1;
  const d = width;
  const L = levels;
  for (let t = 0; t < trees; t++) {
    const f = feat.subarray(t * internal, (t + 1) * internal);
    const h = thr.subarray(t * internal, (t + 1) * internal);
    const lf = leaf.subarray(t * leaves, (t + 1) * leaves);
    let i = 0;
    for (; i + 7 < n; i += 8) {
      const b0 = i * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      const b4 = b3 + d;
      const b5 = b4 + d;
      const b6 = b5 + d;
      const b7 = b6 + d;
      let k0 = 0;
      let k1 = 0;
      let k2 = 0;
      let k3 = 0;
      let k4 = 0;
      let k5 = 0;
      let k6 = 0;
      let k7 = 0;
      let l = 0;
      for (; l + 1 < L; l += 2) {
        k0 = 2 * k0 + 1 + (bit(data[b0 + f[k0]] >= h[k0]) | 0);
        k1 = 2 * k1 + 1 + (bit(data[b1 + f[k1]] >= h[k1]) | 0);
        k2 = 2 * k2 + 1 + (bit(data[b2 + f[k2]] >= h[k2]) | 0);
        k3 = 2 * k3 + 1 + (bit(data[b3 + f[k3]] >= h[k3]) | 0);
        k4 = 2 * k4 + 1 + (bit(data[b4 + f[k4]] >= h[k4]) | 0);
        k5 = 2 * k5 + 1 + (bit(data[b5 + f[k5]] >= h[k5]) | 0);
        k6 = 2 * k6 + 1 + (bit(data[b6 + f[k6]] >= h[k6]) | 0);
        k7 = 2 * k7 + 1 + (bit(data[b7 + f[k7]] >= h[k7]) | 0);
        k0 = 2 * k0 + 1 + (bit(data[b0 + f[k0]] >= h[k0]) | 0);
        k1 = 2 * k1 + 1 + (bit(data[b1 + f[k1]] >= h[k1]) | 0);
        k2 = 2 * k2 + 1 + (bit(data[b2 + f[k2]] >= h[k2]) | 0);
        k3 = 2 * k3 + 1 + (bit(data[b3 + f[k3]] >= h[k3]) | 0);
        k4 = 2 * k4 + 1 + (bit(data[b4 + f[k4]] >= h[k4]) | 0);
        k5 = 2 * k5 + 1 + (bit(data[b5 + f[k5]] >= h[k5]) | 0);
        k6 = 2 * k6 + 1 + (bit(data[b6 + f[k6]] >= h[k6]) | 0);
        k7 = 2 * k7 + 1 + (bit(data[b7 + f[k7]] >= h[k7]) | 0);
      }
      for (; l < L; l++) {
        k0 = 2 * k0 + 1 + (bit(data[b0 + f[k0]] >= h[k0]) | 0);
        k1 = 2 * k1 + 1 + (bit(data[b1 + f[k1]] >= h[k1]) | 0);
        k2 = 2 * k2 + 1 + (bit(data[b2 + f[k2]] >= h[k2]) | 0);
        k3 = 2 * k3 + 1 + (bit(data[b3 + f[k3]] >= h[k3]) | 0);
        k4 = 2 * k4 + 1 + (bit(data[b4 + f[k4]] >= h[k4]) | 0);
        k5 = 2 * k5 + 1 + (bit(data[b5 + f[k5]] >= h[k5]) | 0);
        k6 = 2 * k6 + 1 + (bit(data[b6 + f[k6]] >= h[k6]) | 0);
        k7 = 2 * k7 + 1 + (bit(data[b7 + f[k7]] >= h[k7]) | 0);
      }
      sums[i] += lf[k0 - internal];
      sums[i + 1] += lf[k1 - internal];
      sums[i + 2] += lf[k2 - internal];
      sums[i + 3] += lf[k3 - internal];
      sums[i + 4] += lf[k4 - internal];
      sums[i + 5] += lf[k5 - internal];
      sums[i + 6] += lf[k6 - internal];
      sums[i + 7] += lf[k7 - internal];
    }
    for (; i < n; i++) {
      const b0 = i * d;
      let k0 = 0;
      for (let l = 0; l < L; l++) k0 = 2 * k0 + 1 + (bit(data[b0 + f[k0]] >= h[k0]) | 0);
      sums[i] += lf[k0 - internal];
    }
  }
}

/**
 * A comparison as 0/1 for `| 0` arithmetic. TypeScript has no boolean-to-number cast, and V8
 * inlines this into the caller, so `bit(a >= b) | 0` compiles to a flag-to-register move.
 */
export function bit(b: boolean): number {
  return b as unknown as number;
}
