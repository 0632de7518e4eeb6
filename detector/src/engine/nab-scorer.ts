/**
 * The NAB score (Numenta Anomaly Benchmark v1.1), exactly as NAB's sweeper computes it: per-row
 * weights from the label windows (scaled sigmoid), probationary rows left out, the earliest
 * detection in a window counts, one threshold per profile swept over every distinct score of the
 * pooled corpus, normalised between the null detector (0) and a perfect one (100).
 * Pure code: the eval runner (detector/eval/nab) reads the files.
 */

export interface NabProfile {
  name: string;
  tp: number;
  fp: number;
  fn: number;
}

export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tp: 1.0, fp: 0.11, fn: 1.0 },
  { name: 'reward_low_FP_rate', tp: 1.0, fp: 0.22, fn: 1.0 },
  { name: 'reward_low_FN_rate', tp: 1.0, fp: 0.11, fn: 2.0 },
] as const;

/** One scored file: a score per row and its label windows as inclusive row ranges, in order. */
export interface NabFile {
  name: string;
  scores: ArrayLike<number>;
  windows: ReadonlyArray<readonly [number, number]>;
}

export interface NabResult {
  /** Normalised score: 0 = null detector, 100 = perfect. */
  score: number;
  raw: number;
  threshold: number;
  windows: number;
  detectedWindows: number;
  falsePositives: number;
  /** Raw S of each file at the chosen threshold (they add up to `raw`). */
  perFile: Record<string, number>;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** NAB's scaled sigmoid: −1 beyond 3 window widths, else 2σ(−5y) − 1. */
export function scaledSigmoid(y: number): number {
  return y > 3 ? -1 : 2 * sigmoid(-5 * y) - 1;
}

/** Rows left out of scoring at the start of a file of n rows. */
export function probationaryLength(n: number): number {
  return Math.min(Math.floor(0.15 * n), 0.15 * 5000);
}

/**
 * The weight A_i a detection at row i earns, and the window (index) it falls in, −1 outside.
 * Inside window k: A_TP·ss(−(R−i+1)/W)/ss(−1). Outside, before any window: −A_FP. After a window
 * (only the most recent one counts): A_FP·ss((i−R)/(W−1)).
 */
export function rowWeights(
  n: number,
  windows: ReadonlyArray<readonly [number, number]>,
  profile: NabProfile,
): { weight: Float64Array; window: Int32Array } {
  const weight = new Float64Array(n);
  const window = new Int32Array(n).fill(-1);
  const norm = scaledSigmoid(-1);
  let k = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    while (k < windows.length && i > windows[k][1]) {
      prevRight = windows[k][1];
      prevWidth = windows[k][1] - windows[k][0] + 1;
      k++;
    }
    if (k < windows.length && i >= windows[k][0] && i <= windows[k][1]) {
      const [l, r] = windows[k];
      const w = r - l + 1;
      weight[i] = (profile.tp * scaledSigmoid(-(r - i + 1) / w)) / norm;
      window[i] = k;
    } else if (prevRight < 0) {
      weight[i] = -profile.fp;
    } else {
      // A one-row window has W − 1 = 0: NAB divides by zero there and gets +∞ → ss = −1.
      const y = prevWidth > 1 ? (i - prevRight) / (prevWidth - 1) : Infinity;
      weight[i] = profile.fp * scaledSigmoid(y);
    }
  }
  return { weight, window };
}

/** Sweeps one threshold over the pooled scores of all files and returns the best NAB score. */
export function nabScore(files: readonly NabFile[], profile: NabProfile): NabResult {
  interface Row {
    score: number;
    weight: number;
    window: number; // global window id, −1 outside
    file: number;
  }
  const rows: Row[] = [];
  let totalWindows = 0;
  const windowBase: number[] = [];
  files.forEach((f, fi) => {
    const n = f.scores.length;
    const { weight, window } = rowWeights(n, f.windows, profile);
    windowBase.push(totalWindows);
    const p = probationaryLength(n);
    for (let i = 0; i < n; i++) {
      if (i < p) continue;
      rows.push({
        score: f.scores[i],
        weight: weight[i],
        window: window[i] < 0 ? -1 : totalWindows + window[i],
        file: fi,
      });
    }
    totalWindows += f.windows.length;
  });
  rows.sort((a, b) => b.score - a.score);
  const best = new Float64Array(totalWindows).fill(NaN);
  const base = -profile.fn * totalWindows;
  let s = base;
  let bestS = base;
  let bestIdx = -1; // rows[0..bestIdx] detected at the best threshold
  let i = 0;
  while (i < rows.length) {
    const level = rows[i].score;
    for (; i < rows.length && rows[i].score === level; i++) {
      const r = rows[i];
      if (r.window < 0) s += r.weight;
      else if (Number.isNaN(best[r.window])) {
        s += r.weight + profile.fn;
        best[r.window] = r.weight;
      } else if (r.weight > best[r.window]) {
        s += r.weight - best[r.window];
        best[r.window] = r.weight;
      }
    }
    if (s > bestS) {
      bestS = s;
      bestIdx = i - 1;
    }
  }
  const threshold = bestIdx < 0 ? 1.1 : rows[bestIdx].score;
  // Recompute the winner's breakdown per file.
  const perFile: Record<string, number> = {};
  const detected = new Float64Array(totalWindows).fill(NaN);
  let falsePositives = 0;
  files.forEach((f) => (perFile[f.name] = 0));
  for (let j = 0; j <= bestIdx; j++) {
    const r = rows[j];
    if (r.window < 0) {
      perFile[files[r.file].name] += r.weight;
      falsePositives++;
    } else if (Number.isNaN(detected[r.window]) || r.weight > detected[r.window])
      detected[r.window] = r.weight;
  }
  let detectedWindows = 0;
  files.forEach((f, fi) => {
    for (let k = 0; k < f.windows.length; k++) {
      const v = detected[windowBase[fi] + k];
      if (Number.isNaN(v)) perFile[f.name] -= profile.fn;
      else {
        perFile[f.name] += v;
        detectedWindows++;
      }
    }
  });
  const perfect = profile.tp * totalWindows;
  const score = totalWindows > 0 ? (100 * (bestS - base)) / (perfect - base) : 0;
  return { score, raw: bestS, threshold, windows: totalWindows, detectedWindows, falsePositives, perFile };
}
