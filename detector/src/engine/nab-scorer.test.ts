import { NAB_PROFILES, nabScore, probationaryLength, rowWeights, scaledSigmoid } from './nab-scorer';

// Worked by hand from NAB's formulas (σ(x) = 1/(1+e^-x)):
//   ss(−1) = 2σ(5) − 1 = 0.9866143      ss(−0.6) = 2σ(3) − 1 = 0.9051483
//   ss(−0.8) = 2σ(4) − 1 = 0.9640276    ss(0.5) = 2σ(−2.5) − 1 = −0.8482836
// File "a": 20 rows, probation floor(0.15·20) = 3 rows, one window on rows 10..14 (W = 5).
const [standard, lowFp, lowFn] = NAB_PROFILES;
const window: [number, number][] = [[10, 14]];

function scores(n: number, at: Record<number, number>): Float64Array {
  const s = new Float64Array(n);
  for (const [i, v] of Object.entries(at)) s[Number(i)] = v;
  return s;
}

describe('NAB scorer', () => {
  it('has the scaled sigmoid and probation of NAB', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3.01)).toBe(-1);
    expect(probationaryLength(20)).toBe(3);
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(22695)).toBe(750);
  });

  it('weights rows: full A_TP at the window start, −A_FP before, a sigmoid after', () => {
    const { weight, window: w } = rowWeights(20, window, standard);
    expect(weight[10]).toBeCloseTo(1, 10);
    expect(weight[12]).toBeCloseTo(0.9051483 / 0.9866143, 6);
    expect(weight[5]).toBeCloseTo(-0.11, 10);
    expect(weight[16]).toBeCloseTo(0.11 * -0.8482836, 6);
    expect(weight[19]).toBeCloseTo(0.11 * scaledSigmoid(5 / 4), 10);
    expect(Array.from(w.slice(9, 16))).toEqual([-1, 0, 0, 0, 0, 0, -1]);
  });

  it('scores one detection in the window at 95.87 (standard) and 97.25 (low FN)', () => {
    const files = [{ name: 'a', scores: scores(20, { 12: 1 }), windows: window }];
    // S = 0.917428; standard: 100·(S+1)/2, low FN: 100·(S+2)/3.
    expect(nabScore(files, standard).score).toBeCloseTo(95.8714, 3);
    expect(nabScore(files, lowFn).score).toBeCloseTo(97.2476, 3);
    expect(nabScore(files, standard).detectedWindows).toBe(1);
  });

  it('sweeps one threshold: keeps θ = 0.9 where lower thresholds add false positives', () => {
    // row 12 = 0.9 (+0.917428), row 16 = 0.8 (after the window: 0.11·ss(0.5) = −0.093311), row 5 = 0.7 (−0.11).
    const files = [{ name: 'a', scores: scores(20, { 12: 0.9, 16: 0.8, 5: 0.7 }), windows: window }];
    const r = nabScore(files, standard);
    expect(r.threshold).toBe(0.9);
    expect(r.raw).toBeCloseTo(0.917428, 5);
    expect(r.falsePositives).toBe(0);
    // Low FP doubles the FP weight but the best θ is the same.
    expect(nabScore(files, lowFp).score).toBeCloseTo(95.8714, 3);
  });

  it('counts only the earliest detection in a window, and later ones cost nothing', () => {
    const files = [{ name: 'a', scores: scores(20, { 11: 1, 13: 1, 14: 1 }), windows: window }];
    // Row 11: ss(−4/5)/ss(−1) = 0.9640276/0.9866143 = 0.977107.
    expect(nabScore(files, standard).raw).toBeCloseTo(0.977107, 5);
  });

  it('ignores probationary rows and scores the null detector 0', () => {
    // 60 rows (probation 9), window 30..34: detecting every row costs 21 × 0.11 before the window.
    const late: [number, number][] = [[30, 34]];
    const probation = [{ name: 'a', scores: scores(60, { 5: 1 }), windows: late }];
    expect(probationaryLength(60)).toBe(9);
    expect(nabScore(probation, standard).raw).toBe(-1);
    expect(nabScore(probation, standard).score).toBe(0);
    const constant = [{ name: 'a', scores: new Float64Array(60).fill(0.5), windows: late }];
    const r = nabScore(constant, standard);
    expect(r.score).toBe(0);
    expect(r.threshold).toBe(1.1);
  });

  it('prefers detecting everything when that beats missing the window', () => {
    // 20 rows: all detected = window +1, rows 3..9 7 × −0.11, rows 15..19 −0.4773659.
    const r = nabScore([{ name: 'a', scores: new Float64Array(20).fill(0.5), windows: window }], standard);
    expect(r.raw).toBeCloseTo(1 - 0.77 - 0.4773659, 5);
  });

  it('pools files under one threshold and reports each file’s share', () => {
    // File b has no window and one alarm at 0.95, above a's 0.9: θ = 0.9 takes both.
    const files = [
      { name: 'a', scores: scores(20, { 12: 0.9 }), windows: window },
      { name: 'b', scores: scores(20, { 8: 0.95 }), windows: [] as [number, number][] },
    ];
    const r = nabScore(files, standard);
    expect(r.threshold).toBe(0.9);
    expect(r.perFile.a).toBeCloseTo(0.917428, 5);
    expect(r.perFile.b).toBeCloseTo(-0.11, 10);
    expect(r.score).toBeCloseTo((100 * (0.807428 + 1)) / 2, 3);
  });
});
