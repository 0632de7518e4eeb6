import { experimentStages, loadStages, requestBudget } from './load-profiles';

describe('load profiles', () => {
  it('normal is 100 rps for 5 minutes by default length', () => {
    expect(loadStages('normal', 300)).toEqual([{ rps: 100, seconds: 300 }]);
  });

  it('stress ramps in five steps from 100 to 500 rps', () => {
    const st = loadStages('stress', 300);
    expect(st.map((s) => s.rps)).toEqual([100, 200, 300, 400, 500]);
    expect(st.reduce((s, x) => s + x.seconds, 0)).toBe(300);
  });

  it('spike bursts to 1000 rps in the middle and returns to base', () => {
    const st = loadStages('spike', 20);
    expect(st).toEqual([
      { rps: 100, seconds: 8 },
      { rps: 1000, seconds: 4 },
      { rps: 100, seconds: 8 },
    ]);
    expect(requestBudget(st)).toBe(100 * 16 + 1000 * 4);
  });

  it.each(['normal', 'stress', 'spike'] as const)('%s stages always sum to the duration, even short ones', (p) => {
    for (const d of [1, 2, 3, 7, 31, 600]) {
      expect(loadStages(p, d).reduce((s, x) => s + x.seconds, 0)).toBe(d);
      expect(loadStages(p, d).every((s) => s.seconds >= 1)).toBe(true);
    }
  });
});

describe('experimentStages', () => {
  it('a spike bursts when the fault is injected, whatever the warm-up', () => {
    expect(experimentStages('spike', { warmup: 130, injection: 30, recovery: 20 })).toEqual([
      { rps: 100, seconds: 130 },
      { rps: 1000, seconds: 30 },
      { rps: 100, seconds: 20 },
    ]);
    expect(experimentStages('spike', { warmup: 15, injection: 30, recovery: 20 })).toEqual([
      { rps: 100, seconds: 15 },
      { rps: 1000, seconds: 13 },
      { rps: 100, seconds: 37 },
    ]);
  });

  it('normal and stress span the whole run', () => {
    expect(experimentStages('normal', { warmup: 10, injection: 20, recovery: 20 })).toEqual([{ rps: 100, seconds: 50 }]);
    expect(experimentStages('stress', { warmup: 10, injection: 20, recovery: 20 }).map((s) => s.rps)).toEqual([100, 200, 300, 400, 500]);
  });
});
