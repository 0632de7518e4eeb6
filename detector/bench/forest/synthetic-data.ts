import { Prng } from '../../src/engine/prng';

/** A labelled synthetic set: row-major rows, width 5, label 1 = anomaly. */
export interface LabelledSet {
  data: Float64Array;
  labels: Uint8Array;
  rows: number;
  width: number;
}

/**
 * Service-like metrics: two operating modes (quiet, busy), each a correlated Gaussian over five
 * features (cpu, memory, latency, errors, rate move together). Anomalies (share `rate`) are half
 * global (uniform over a wide box) and half local (one feature breaks the correlation by 4–6 σ),
 * the harder kind for isolation.
 */
export function labelledSet(rows: number, rate: number, seed: number): LabelledSet {
  const width = 5;
  const rng = new Prng(seed);
  const gauss = (): number => {
    const u = 1 - rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const data = new Float64Array(rows * width);
  const labels = new Uint8Array(rows);
  const centres = [
    [0, 0, 0, 0, 0],
    [3, 2, 2.5, 1, 3],
  ];
  for (let i = 0; i < rows; i++) {
    const b = i * width;
    const c = centres[rng.next() < 0.7 ? 0 : 1];
    const load = gauss();
    for (let j = 0; j < width; j++) data[b + j] = c[j] + 0.8 * load + 0.6 * gauss();
    if (rng.next() < rate) {
      labels[i] = 1;
      if (rng.next() < 0.5) {
        for (let j = 0; j < width; j++) data[b + j] = -6 + 14 * rng.next();
      } else {
        const j = rng.int(width);
        data[b + j] += (rng.next() < 0.5 ? -1 : 1) * (4 + 2 * rng.next());
      }
    }
  }
  return { data, labels, rows, width };
}

/** Area under the ROC curve (Mann–Whitney U, ties counted half). */
export function auc(scores: ArrayLike<number>, labels: Uint8Array): number {
  const idx = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]]) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
