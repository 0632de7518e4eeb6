import { metricDeviation } from './metric-deviation';

const OPTIONS = { threshold: 3, minHistory: 30 };
const STEP = 60_000;

/** `history` points then `incident` points, one a minute; the incident starts at `from`. */
function series(history: (number | null)[], incident: (number | null)[]) {
  const values = [...history, ...incident];
  return { series: { timestamps: values.map((_, i) => i * STEP), values }, from: history.length * STEP };
}
const wobble = (n: number, level: number, amp: number) =>
  Array.from({ length: n }, (_, i) => level + amp * Math.sin(i));

describe('metricDeviation', () => {
  it('measures the largest deviation from the median in IQRs, with the first point past the threshold', () => {
    const { series: s, from } = series(wobble(100, 0.1, 0.01), [0.1, 0.2, 0.3, 0.15]);
    const d = metricDeviation('latency_seconds', s, from, OPTIONS);
    expect(d?.kind).toBe('latency');
    expect(d?.excess).toBeCloseTo(0.2, 2);
    expect(d?.z).toBeGreaterThan(10);
    expect(d?.onset).toBe(from + STEP);
  });

  it('counts only the bad direction: faster is not a fault, lower availability is', () => {
    const faster = series(wobble(100, 0.1, 0.01), [0.01, 0.01]);
    expect(metricDeviation('latency_seconds', faster.series, faster.from, OPTIONS)?.z).toBe(0);
    const lower = series(wobble(100, 100, 0), [100, 90]);
    expect(metricDeviation('availability', lower.series, lower.from, OPTIONS)?.z).toBeGreaterThan(3);
  });

  it('gives a finite, large deviation when a metric that never moved moves', () => {
    const { series: s, from } = series(new Array(100).fill(0), [0, 0.3]);
    const d = metricDeviation('error_ratio', s, from, OPTIONS);
    expect(d?.z).toBe(1e6);
    expect(Number.isFinite(d?.z)).toBe(true);
  });

  it('measures in at least the absolute spread floor, in the metric unit, when one is given', () => {
    // a memory growth clamped at 0, then 60 kB/s: no spread of its own, so 10^6 deviations unfloored
    const { series: s, from } = series(new Array(100).fill(0), [6e4, 6e4]);
    expect(metricDeviation('memory_growth', s, from, OPTIONS)?.z).toBe(1e6);
    const floored = metricDeviation('memory_growth', s, from, { ...OPTIONS, absoluteSpreadFloor: 262_144 });
    expect(floored?.z).toBeCloseTo(6e4 / 262_144, 6);
    expect(floored?.onset).toBeUndefined();
    // a spread larger than the floor is kept
    const wide = series(wobble(100, 1e6, 5e5), [3e6]);
    expect(
      metricDeviation('memory_growth', wide.series, wide.from, { ...OPTIONS, absoluteSpreadFloor: 1 })?.z,
    ).toBe(metricDeviation('memory_growth', wide.series, wide.from, OPTIONS)?.z);
  });

  it('skips gaps and refuses to judge a metric with too little history', () => {
    const gappy = series([...wobble(40, 1, 0.1), ...new Array(20).fill(null)], [null, 3]);
    const d = metricDeviation('latency_seconds', gappy.series, gappy.from, OPTIONS);
    expect(d?.onset).toBe(gappy.from + STEP);
    const short = series(wobble(29, 1, 0.1), [3]);
    expect(metricDeviation('latency_seconds', short.series, short.from, OPTIONS)).toBeNull();
  });

  it('still sees a change when a fifth of the history already lies after it', () => {
    // 20 of 100 history points are after the real change (the start was given late).
    const { series: s, from } = series([...wobble(80, 0.1, 0.01), ...new Array(20).fill(0.3)], [0.3, 0.3]);
    expect(metricDeviation('latency_seconds', s, from, OPTIONS)?.z).toBeGreaterThan(3);
  });
});
