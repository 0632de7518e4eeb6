import { SeasonalDifference } from './seasonal-difference';

const DAY = 86_400_000;

describe('SeasonalDifference', () => {
  it('finds a missing daily peak that stays inside the range, at any interval', () => {
    for (const stepMs of [15_000, 300_000, 3_600_000]) {
      const s = new SeasonalDifference(1, DAY, 1000);
      let seed = 9;
      const noise = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
      let peakZ = 0;
      let normalZ = 0;
      for (let t = 0; t < 4 * DAY; t += stepMs) {
        const hour = (t % DAY) / 3_600_000;
        const peak = hour >= 12 && hour < 14;
        // day 3 has no midday peak: its values are all seen before, only "than yesterday" is new
        const v = 10 + (peak && t < 3 * DAY ? 5 : 0) + 0.2 * noise();
        const r = s.update(t, [v]);
        if (t < DAY)
          expect(r).toBeNull(); // nothing to compare with yet
        else if (r) {
          if (t >= 3 * DAY && peak) peakZ = Math.max(peakZ, r[0]);
          else if (t >= 2 * DAY && t < 3 * DAY + 12 * 3_600_000) normalZ = Math.max(normalZ, r[0]);
        }
      }
      expect(peakZ).toBeGreaterThan(10);
      expect(peakZ).toBeGreaterThan(3 * normalZ);
    }
  });

  it('keeps bounded state whatever the interval, and resumes from it exactly', () => {
    const a = new SeasonalDifference(2, DAY, 50);
    for (let t = 0; t < 1.5 * DAY; t += 1000) a.update(t, [t % 97, t % 13]);
    const state = JSON.parse(JSON.stringify(a.toJSON()));
    expect(JSON.stringify(state).length).toBeLessThan(64_000);
    const b = new SeasonalDifference(2, DAY, 50);
    b.restore(state);
    for (let t = 1.5 * DAY; t < 1.6 * DAY; t += 1000)
      expect(b.update(t, [t % 89, null])).toEqual(a.update(t, [t % 89, null]));
  });
});
