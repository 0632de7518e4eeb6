import { EventTracker, type PointLike } from './event-tracker';

const p = (
  timestamp: number,
  score: number | null,
  contributions = [{ feature: 'cpu', contribution: 1 }],
): PointLike => ({
  timestamp,
  score,
  anomaly: score !== null && score > 1,
  contributions,
});

describe('EventTracker', () => {
  it('opens an event at the first anomalous point, keeps the peak and closes at the first normal point', () => {
    const t = new EventTracker();
    expect(t.observe('fleet', 'k', { service: 'a' }, p(1000, 0.5))).toBe(false);
    expect(t.observe('fleet', 'k', { service: 'a' }, p(2000, 1.5))).toBe(true);
    t.observe(
      'fleet',
      'k',
      { service: 'a' },
      p(3000, 2.5, [
        { feature: 'latency', contribution: 0.7 },
        { feature: 'cpu', contribution: 0.3 },
      ]),
    );
    const open = t.takeChanges();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ start: 2000, end: null, peakScore: 2.5, peakAt: 3000 });
    expect(open[0].topFeatures[0]).toEqual({ feature: 'latency', contribution: 0.7 });
    t.observe('fleet', 'k', { service: 'a' }, p(4000, 0.2));
    const closed = t.takeChanges();
    expect(closed[0]).toMatchObject({ id: open[0].id, end: 4000 });
    expect(t.takeChanges()).toEqual([]);
  });

  it('ignores points without a score (gaps, warm-up) and closes events of forgotten entities', () => {
    const t = new EventTracker();
    t.observe('fleet', 'k', {}, p(1000, 3));
    t.observe('fleet', 'k', {}, p(2000, null));
    expect(t.takeChanges()[0].end).toBeNull();
    t.forget('fleet', 'k', 2500);
    expect(t.takeChanges()[0].end).toBe(2500);
  });

  it('continues an event that was open before a restart', () => {
    const t = new EventTracker([
      {
        id: 'e1',
        detector: 'fleet',
        key: 'k',
        labels: {},
        start: 1000,
        end: null,
        peakScore: 2,
        peakAt: 1000,
        topFeatures: [],
      },
    ]);
    expect(t.observe('fleet', 'k', {}, p(5000, 1.4))).toBe(false);
    t.observe('fleet', 'k', {}, p(6000, 0.1));
    expect(t.takeChanges()).toEqual([expect.objectContaining({ id: 'e1', end: 6000, peakScore: 2 })]);
  });
});
