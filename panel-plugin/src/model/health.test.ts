import { STEP, T0, scoresFrame, timelineFrame } from '../test-frames';
import { formatDuration, summarize } from './health';
import { readFrames } from './read-frames';

describe('readFrames', () => {
  it('turns runs of anomalous points into bands with their top features', () => {
    const model = readFrames([scoresFrame('orders', [10, 11, 12, 30])]);
    expect(model.bands).toEqual([
      expect.objectContaining({ start: T0 + 10 * STEP, end: T0 + 12 * STEP, topFeatures: 'cpu' }),
      expect.objectContaining({ start: T0 + 30 * STEP, end: T0 + 30 * STEP }),
    ]);
    expect(model.tracks[0].metrics.map((m) => m.name)).toEqual(['cpu']);
  });

  it('draws a plain Prometheus-style frame as a series without score', () => {
    const model = readFrames([{ ...scoresFrame('orders', []), meta: undefined, fields: scoresFrame('orders', []).fields.filter((f) => f.name === 'time' || f.name === 'cpu') }]);
    expect(model.tracks).toHaveLength(1);
    expect(model.tracks[0].scores).toEqual([]);
    expect(model.bands).toEqual([]);
  });

  it('keeps the reason from the timeline detail', () => {
    const model = readFrames([timelineFrame([[T0, 'action', 'succeeded', { reason: 'rule cpu step 0' }]])]);
    expect(model.lane[0].detail.reason).toBe('rule cpu step 0');
  });
});

describe('summarize', () => {
  it.each([
    // 38 scored points (2 warm-up nulls), 0, 4 or 19 of them anomalous
    [[], 100],
    [[10, 11, 12, 13], 89],
    [Array.from({ length: 19 }, (_, i) => i + 2), 50],
  ])('health with anomalies at %j is %i', (at, health) => {
    expect(summarize(readFrames([scoresFrame('orders', at)]), 1).health).toBe(health);
  });

  it('measures MTTD from anomaly to alert and MTTR from anomaly to verified recovery', () => {
    const model = readFrames([
      timelineFrame([
        [T0, 'anomaly', 'open'],
        [T0 + 30_000, 'alert', 'firing'],
        [T0 + 40_000, 'action', 'succeeded'],
        [T0 + 100_000, 'verification', 'passed'],
      ]),
      timelineFrame(
        [
          [T0 + 200_000, 'anomaly', 'open'],
          [T0 + 290_000, 'alert', 'firing'],
          [T0 + 300_000, 'action', 'failed'],
        ],
        'inc-2'
      ),
    ]);
    const s = summarize(model, 1);
    expect(s.mttdSeconds).toBe(60); // (30 + 90) / 2
    expect(s.mttrSeconds).toBe(100); // only inc-1 recovered
    expect(s.incidents).toBe(2);
    expect(s.health).toBeNull();
  });

  it('pairs a remediator incident with the detector anomaly of its service that preceded the alert', () => {
    // the remediator's timeline starts a HomeostatAnomaly incident with an `anomaly` entry at the alert's startsAt
    const model = readFrames([
      scoresFrame('orders', [10, 11, 12, 13, 14]),
      timelineFrame([
        [T0 + 12 * STEP, 'anomaly', 'healed'],
        [T0 + 13 * STEP, 'action', 'succeeded'],
        [T0 + 20 * STEP, 'verification', 'passed'],
      ]),
    ]);
    const s = summarize(model, 1);
    expect(s.mttdSeconds).toBe(2 * 15);
    expect(s.mttrSeconds).toBe(10 * 15);
  });

  it.each([
    [null, '–'],
    [42.4, '42 s'],
    [210, '3.5 min'],
    [7200, '2.0 h'],
  ])('formats %p as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
