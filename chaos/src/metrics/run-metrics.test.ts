import {
  availability,
  endedBeforeExpiry,
  errorRate,
  expiredAtOf,
  eventPrecisionRecall,
  healingSucceeded,
  mttdSeconds,
  pointwisePrecisionRecall,
  recovery,
} from './run-metrics';
import { anomalyIntervals, detectionIntervals, detectionSignal } from './detection-intervals';
import { percentile } from './percentile';

const T0 = 1_700_000_000_000;
const s = (n: number) => T0 + n * 1000;
const fault = { start: s(10), end: s(40) };

describe('mttdSeconds', () => {
  it.each([
    ['first overlapping detection', [{ start: s(15), end: s(20) }], 5],
    [
      'earliest of several',
      [
        { start: s(30), end: s(31) },
        { start: s(12), end: s(13) },
      ],
      2,
    ],
    ['already anomalous when the fault starts counts as 0', [{ start: s(5), end: s(11) }], 0],
    ['detection in the grace period after the end', [{ start: s(44), end: s(46) }], 34],
    ['a detection before the fault that ended is ignored', [{ start: s(1), end: s(3) }], null],
    ['after the grace period is a miss', [{ start: s(60), end: s(61) }], null],
    ['no detections', [], null],
  ])('%s', (_name, detections, expected) => {
    expect(mttdSeconds(fault, detections, 5000)).toBe(expected);
  });
});

describe('recovery (MTTR)', () => {
  const health = (bad: number[], from = 0, to = 80) =>
    Array.from({ length: to - from }, (_, i) => ({ t: s(from + i), healthy: !bad.includes(from + i) }));
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

  it('is the start of the first sustained healthy stretch after the first unhealthy sample', () => {
    // unhealthy 12..30, one healthy blip at 31, unhealthy 32, healthy from 33 on
    const r = recovery(fault, health([...range(12, 30), 32]), 5);
    expect(r).toEqual({ mttrSeconds: 23, impacted: true, recoveredAt: s(33), impactedAt: s(12) });
  });

  it('healthy samples before the fault do not count, nor a blip shorter than sustain', () => {
    const r = recovery(fault, health([...range(10, 20), ...range(23, 25)]), 3);
    expect(r.mttrSeconds).toBe(16); // 21,22 is too short; healthy from 26
  });

  it('no impact means 0 and impacted=false', () => {
    expect(recovery(fault, health([]), 5)).toEqual({
      mttrSeconds: 0,
      impacted: false,
      recoveredAt: fault.start,
      impactedAt: null,
    });
  });

  it('never recovered before the run ended is null', () => {
    expect(recovery(fault, health(range(12, 77)), 5).mttrSeconds).toBeNull();
  });
});

describe('availability and error rate', () => {
  it.each([
    [[{ requests: 100, errors: 0 }], 1],
    [
      [
        { requests: 100, errors: 5 },
        { requests: 100, errors: 15 },
      ],
      0.9,
    ],
    [[{ requests: 0, errors: 0 }], null],
  ])('%j -> %s', (buckets, expected) => {
    expect(availability(buckets)).toBe(expected);
  });
  it('error rate is its complement', () => {
    expect(errorRate([{ requests: 200, errors: 3 }])).toBeCloseTo(0.015, 10);
  });
});

describe('precision / recall', () => {
  it('sample-wise against the ground-truth window plus grace', () => {
    // samples every second 0..59; anomalous 8..20 and 44..47; truth 10..40 (+5 s grace -> 45)
    const pts = Array.from({ length: 60 }, (_, i) => ({
      t: s(i),
      anomalous: (i >= 8 && i <= 20) || (i >= 44 && i <= 47),
    }));
    const pr = pointwisePrecisionRecall(pts, [fault], 5000);
    // TP: 10..20 (11) + 44,45 (2) = 13; FP: 8,9,46,47 = 4; FN: 21..43 = 23
    expect(pr).toMatchObject({ truePositives: 13, falsePositives: 4, falseNegatives: 23 });
    expect(pr.precision).toBeCloseTo(13 / 17, 10);
    expect(pr.recall).toBeCloseTo(13 / 36, 10);
  });

  it('event-wise: overlapping detections are hits, a window is recalled once', () => {
    const faults = [fault, { start: s(100), end: s(120) }];
    const dets = [
      { start: s(15), end: s(18) },
      { start: s(30), end: s(50) },
      { start: s(70), end: s(72) },
    ];
    const pr = eventPrecisionRecall(dets, faults, 5000);
    expect(pr).toEqual({
      precision: 2 / 3,
      recall: 0.5,
      truePositives: 2,
      falsePositives: 1,
      falseNegatives: 1,
    });
  });

  it('undefined ratios are null, not 0 or NaN', () => {
    expect(eventPrecisionRecall([], [], 0)).toMatchObject({ precision: null, recall: null });
    expect(pointwisePrecisionRecall([{ t: s(0), anomalous: false }], [], 0)).toMatchObject({
      precision: null,
      recall: null,
    });
  });
});

describe('healingSucceeded', () => {
  const ok = { action: 'scale_out', result: 'succeeded', verification: 'passed', startedAt: s(20) };
  it.each([
    ['expected action succeeded and users recovered in time', [ok], 30, true],
    ['recovery too slow', [ok], 120, false],
    ['never recovered', [ok], null, false],
    ['wrong kind of action', [{ ...ok, action: 'restart' }], 30, false],
    ['action failed', [{ ...ok, result: 'failed' }], 30, false],
    ['verification failed', [{ ...ok, verification: 'failed' }], 30, false],
    ['action long before the fault', [{ ...ok, startedAt: s(0) }], 30, false],
    ['no action at all (no-heal)', [], 30, false],
  ])('%s', (_n, actions, mttr, expected) => {
    const rec = {
      mttrSeconds: mttr,
      impacted: true,
      recoveredAt: mttr === null ? null : fault.start + mttr * 1000,
      impactedAt: fault.start,
    };
    expect(healingSucceeded(fault, actions, ['scale_out'], rec, 90, 5000, null)).toBe(expected);
  });

  it('a fault that expired with users still impacted was outlived, not healed, whatever the action', () => {
    // the fault ran its 60 s (the demo recorded it expired); the scale-out passed verification
    const expiredAt = fault.start + 60_000;
    const at = (mttr: number) => ({
      mttrSeconds: mttr,
      impacted: true,
      recoveredAt: fault.start + mttr * 1000,
      impactedAt: fault.start,
    });
    expect(healingSucceeded(fault, [ok], ['scale_out'], at(61), 90, 5000, expiredAt)).toBe(false);
    expect(healingSucceeded(fault, [ok], ['scale_out'], at(60), 90, 5000, expiredAt)).toBe(false);
    expect(healingSucceeded(fault, [ok], ['scale_out'], at(30), 90, 5000, expiredAt)).toBe(true);
    // users never saw it: nothing to outlive
    const unseen = { mttrSeconds: 0, impacted: false, recoveredAt: fault.start, impactedAt: null };
    expect(healingSucceeded(fault, [ok], ['scale_out'], unseen, 90, 5000, expiredAt)).toBe(true);
    expect(endedBeforeExpiry(at(61), null)).toBe(true); // a restart ended it: the action did
    // trouble that began only after the fault expired (a blip 3 s later) is not the fault's impact
    const late = {
      mttrSeconds: 65,
      impacted: true,
      recoveredAt: fault.start + 65_000,
      impactedAt: fault.start + 63_000,
    };
    expect(healingSucceeded(fault, [ok], ['scale_out'], late, 90, 5000, expiredAt)).toBe(true);
    expect(expiredAtOf({ end: expiredAt, endedBy: 'expired' })).toBe(expiredAt);
    expect(expiredAtOf({ end: expiredAt, endedBy: 'stopped' })).toBe(expiredAt); // the runner's clean-up ended it
    expect(expiredAtOf({ end: expiredAt, endedBy: 'restarted' })).toBeNull();
  });

  it('recovery records when users first saw the fault', () => {
    const samples = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => ({
      t: s(10 + i),
      healthy: i < 3 || i > 5,
    }));
    expect(recovery(fault, samples, 3)).toMatchObject({
      impacted: true,
      impactedAt: s(13),
      recoveredAt: s(16),
    });
  });
});

describe('detectionIntervals', () => {
  it('groups consecutive scores above the threshold; null and <= 1 end a run', () => {
    const scores = [0.2, 1.5, 1.2, 1.0, null, 2, 2, 0.5, 3];
    const pts = scores.map((score, i) => ({ t: s(i), score }));
    expect(detectionIntervals(pts)).toEqual([
      { start: s(1), end: s(2) },
      { start: s(5), end: s(6) },
      { start: s(8), end: s(8) },
    ]);
  });
});

describe('percentile', () => {
  it.each([
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[7], 99, 7],
    [[], 50, null],
  ])('%j p%s = %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('detectionSignal', () => {
  it('an alert on the target counts as detection even without a score (a crashed process has none)', () => {
    const scores: [number, number | null][] = [
      [s(0), 0.3],
      [s(1), null],
      [s(2), null],
      [s(3), 1.4],
    ];
    const alerts: [number, number | null][] = [
      [s(1), null],
      [s(2), 1],
      [s(3), 0],
    ];
    expect(detectionSignal(scores, alerts)).toEqual([
      { t: s(0), anomalous: false },
      { t: s(1), anomalous: null },
      { t: s(2), anomalous: true },
      { t: s(3), anomalous: true },
    ]);
    expect(anomalyIntervals(detectionSignal(scores, alerts))).toEqual([{ start: s(2), end: s(3) }]);
  });
});
