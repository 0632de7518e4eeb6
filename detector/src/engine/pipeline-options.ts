import { DetectorError } from '../errors';
import type { AnomalyLikelihoodOptions } from './anomaly-likelihood';
import type { StreamingDetectorOptions } from './streaming-detector';

/**
 * Every setting of the scoring pipeline. Counts are in points (steps of the series), so one value
 * means the same statistical thing at a 1 s, 15 s or 5 min interval; see detector/README.md for
 * what each one does and why its default.
 */
export interface ScoringPipelineOptions {
  /** Stage 1, the Isolation Forest on the engineered features. */
  forest?: StreamingDetectorOptions;
  /**
   * Stage 2, anomaly likelihood of each stage's score against its own long-run history: the
   * forest's score, and each metric's robust z and seasonal z on their own, so a metric whose z is
   * always high (a noisy derivative) neither masks nor is mistaken for another one's spike.
   */
  likelihood?: AnomalyLikelihoodOptions;
  /** Trailing window of the values' robust z stage, in points; 0 turns the stage off. */
  robustZPoints?: number;
  /**
   * Smallest spread the robust z divides by, as a share of its window's median (0: none): a change
   * of less than this share of the level is less than one deviation however flat the window was.
   */
  robustZRelativeFloor?: number;
  /**
   * Per feature, the smallest spread its robust z divides by, in the feature's unit (none by
   * default): for a series that sits at one value, such as a growth rate that is 0 in normal
   * operation, a change under this is under one deviation.
   */
  robustZAbsoluteFloor?: Readonly<Record<string, number>>;
  /** Seasonal stage: robust z of x(t) − x(t − period); periodMs 0 turns it off. */
  seasonal?: { periodMs?: number; points?: number };
  /**
   * Range rule: a value beyond everything seen so far by more than `tolerance` × the range seen
   * is an alarm whatever the model says; armed after `minPoints` points; tolerance 0 turns it off.
   * `acceptAfter` > 0: out-of-range values are learned only after that many in a row (a new normal).
   * `minExcess`, per feature in its unit: the smallest step beyond the range that counts, so a
   * feature that never moved (an error ratio at 0) is judged too; none by default.
   */
  range?: {
    tolerance?: number;
    minPoints?: number;
    acceptAfter?: number;
    minExcess?: Readonly<Record<string, number>>;
  };
  /**
   * Alarm line on the log-likelihood scale (0.5 ⇔ a likelihood of 1 − 10⁻⁵ that the recent scores
   * are not ordinary): the output score is divided by it, so 1.0 is the alarm line. After an
   * onset, new onsets are held back for `holdPoints` points.
   */
  alarm?: { level?: number; holdPoints?: number };
  /**
   * Demand as context (demand-context.ts): the features that measure demand, which never alarm on
   * their own beside other features, and the resource features, which do not while they move with
   * demand. Default (unset): by the features' names (request/rate/throughput are demand;
   * cpu/memory/disk/connections resources). `features: []` turns it off.
   */
  demand?: { features?: string[] | null; resources?: string[] | null };
}

export interface ResolvedPipelineOptions {
  forest: StreamingDetectorOptions;
  likelihood: Required<Omit<AnomalyLikelihoodOptions, 'excludeAbove'>>;
  robustZPoints: number;
  robustZRelativeFloor: number;
  robustZAbsoluteFloor: Readonly<Record<string, number>>;
  seasonal: { periodMs: number; points: number };
  range: {
    tolerance: number;
    minPoints: number;
    acceptAfter: number;
    minExcess: Readonly<Record<string, number>>;
  };
  alarm: { level: number; holdPoints: number };
  /** null: chosen by the features' names. */
  demand: { features: string[] | null; resources: string[] | null };
}

const DAY_MS = 86_400_000;

export const PIPELINE_DEFAULTS: ResolvedPipelineOptions = {
  forest: {
    trees: 100,
    sampleSize: 256,
    seed: 1,
    warmup: 150,
    trainingWindow: 1000,
    refitEvery: 200,
    contamination: 0.01,
    zWindow: 144,
    // The range rule below judges against everything seen, not one training window.
    rangeTolerance: -1,
  },
  likelihood: { shortWindow: 10, longWindow: 1000, minSamples: 300, minStd: 0.1, acceptAfter: 0 },
  robustZPoints: 288,
  robustZRelativeFloor: 0,
  robustZAbsoluteFloor: {},
  seasonal: { periodMs: DAY_MS, points: 1000 },
  range: { tolerance: 0.02, minPoints: 1000, acceptAfter: 0, minExcess: {} },
  alarm: { level: 0.5, holdPoints: 400 },
  demand: { features: null, resources: null },
};

/** Fills in the defaults and checks the values; throws INVALID_OPTIONS naming the setting. */
export function resolvePipelineOptions(o: ScoringPipelineOptions): ResolvedPipelineOptions {
  const d = PIPELINE_DEFAULTS;
  const r: ResolvedPipelineOptions = {
    forest: { ...d.forest, ...stripUndefined(o.forest ?? {}) },
    likelihood: { ...d.likelihood, ...stripUndefined(o.likelihood ?? {}) },
    robustZPoints: o.robustZPoints ?? d.robustZPoints,
    robustZRelativeFloor: o.robustZRelativeFloor ?? d.robustZRelativeFloor,
    robustZAbsoluteFloor: o.robustZAbsoluteFloor ?? d.robustZAbsoluteFloor,
    seasonal: { ...d.seasonal, ...stripUndefined(o.seasonal ?? {}) },
    range: { ...d.range, ...stripUndefined(o.range ?? {}) },
    alarm: { ...d.alarm, ...stripUndefined(o.alarm ?? {}) },
    demand: {
      features: o.demand?.features ? [...o.demand.features] : d.demand.features,
      resources: o.demand?.resources ? [...o.demand.resources] : d.demand.resources,
    },
  };
  const check = (ok: boolean, field: string, what: string) => {
    if (!ok) throw new DetectorError('INVALID_OPTIONS', `${field} ${what}`, { field });
  };
  const integerFrom = (v: number, min: number, field: string) =>
    check(Number.isInteger(v) && v >= min, field, `must be an integer >= ${min}`);
  const l = r.likelihood;
  check(
    Number.isInteger(l.shortWindow) && l.shortWindow >= 1,
    'likelihood.shortWindow',
    'must be a positive integer',
  );
  integerFrom(l.longWindow, 2, 'likelihood.longWindow');
  check(
    Number.isInteger(l.minSamples) && l.minSamples >= 2 && l.minSamples <= l.longWindow,
    'likelihood.minSamples',
    'must be an integer in [2, longWindow]',
  );
  check(l.minStd > 0, 'likelihood.minStd', 'must be > 0');
  integerFrom(l.acceptAfter, 0, 'likelihood.acceptAfter');
  integerFrom(r.robustZPoints, 0, 'robustZPoints');
  check(
    r.robustZRelativeFloor >= 0 && r.robustZRelativeFloor <= 1,
    'robustZRelativeFloor',
    'must be within [0, 1]',
  );
  for (const [f, v] of Object.entries(r.range.minExcess))
    check(Number.isFinite(v) && v >= 0, `range.minExcess.${f}`, 'must be a number >= 0');
  for (const [f, v] of Object.entries(r.robustZAbsoluteFloor))
    check(Number.isFinite(v) && v >= 0, `robustZAbsoluteFloor.${f}`, 'must be a number >= 0');
  check(r.seasonal.periodMs >= 0, 'seasonal.periodMs', 'must be >= 0');
  integerFrom(r.seasonal.points, 8, 'seasonal.points');
  check(r.range.tolerance >= 0, 'range.tolerance', 'must be >= 0');
  integerFrom(r.range.minPoints, 0, 'range.minPoints');
  integerFrom(r.range.acceptAfter, 0, 'range.acceptAfter');
  check(r.alarm.level > 0 && r.alarm.level < 1, 'alarm.level', 'must be in (0, 1)');
  integerFrom(r.alarm.holdPoints, 0, 'alarm.holdPoints');
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
