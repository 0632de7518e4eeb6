import { AnomalyLikelihood, gaussianTail, logLikelihoodScore } from './anomaly-likelihood';

describe('AnomalyLikelihood', () => {
  it.each([
    [0, 0.5],
    [1, 0.158655],
    [2, 0.02275],
    [3, 0.0013499],
    [-1, 0.841345],
  ])('gaussianTail(%d) = %d', (z, p) => expect(gaussianTail(z)).toBeCloseTo(p, 5));

  it('maps likelihoods on NAB’s log scale', () => {
    expect(logLikelihoodScore(0.5)).toBeCloseTo(0.0301, 3);
    expect(logLikelihoodScore(0.99999)).toBeCloseTo(0.5, 3);
    expect(logLikelihoodScore(1)).toBeCloseTo(1, 6);
  });

  it('stays at 0.5 until it has a history, then rates a sustained rise, not a single noisy score', () => {
    const lik = new AnomalyLikelihood({ shortWindow: 5, longWindow: 200, minSamples: 50, minStd: 0.1 });
    const noise = (i: number): number => 0.2 + 0.05 * Math.sin(i * 1.7);
    const early: number[] = [];
    for (let i = 0; i < 300; i++) {
      const l = lik.update(noise(i));
      if (i < 50) early.push(l);
    }
    expect(early.every((l) => l === 0.5)).toBe(true);
    const single = lik.update(0.9);
    const sustained: number[] = [];
    for (let i = 0; i < 5; i++) sustained.push(lik.update(0.9));
    expect(single).toBeLessThan(0.99);
    expect(sustained[4]).toBeGreaterThan(0.9999);
  });

  it('restores its state exactly', () => {
    const a = new AnomalyLikelihood({ longWindow: 100, minSamples: 10 });
    for (let i = 0; i < 150; i++) a.update(Math.abs(Math.sin(i)));
    const b = new AnomalyLikelihood({ longWindow: 100, minSamples: 10 });
    b.restore(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.update(0.7)).toBeCloseTo(a.update(0.7), 12);
  });
});
