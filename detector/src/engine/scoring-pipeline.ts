import { DetectorError } from '../errors';
import {
  AnomalyLikelihood,
  type AnomalyLikelihoodOptions,
  type AnomalyLikelihoodState,
  logLikelihoodScore,
} from './anomaly-likelihood';
import { AlarmGate, type AlarmGateState } from './alarm-gate';
import type { FeatureContribution } from './attribution';
import { RangeGuard, type RangeGuardState } from './range-guard';
import { SeasonalDifference, type SeasonalDifferenceState } from './seasonal-difference';
import {
  StreamingDetector,
  type ScoredPoint,
  type StreamingDetectorOptions,
  type StreamingDetectorState,
} from './streaming-detector';
import { TrailingRobustZ, Z_CLIP, type TrailingRobustZState } from './trailing-robust-z';

/**
 * Every setting of the scoring pipeline. Counts are in points (steps of the series), so one value
 * means the same statistical thing at a 1 s, 15 s or 5 min interval; see detector/README.md for
 * what each one does and why its default.
 */
export interface ScoringPipelineOptions {
  /** Stage 1, the Isolation Forest on the engineered features. */
  forest?: StreamingDetectorOptions;
  /** Stage 2, anomaly likelihood of each stage's score against its own long-run history. */
  likelihood?: AnomalyLikelihoodOptions;
  /** Trailing window of the values' robust z stage, in points; 0 turns the stage off. */
  robustZPoints?: number;
  /** Seasonal stage: robust z of x(t) − x(t − period); periodMs 0 turns it off. */
  seasonal?: { periodMs?: number; points?: number };
  /**
   * Range rule: a value beyond everything seen so far by more than `tolerance` × the range seen
   * is an alarm whatever the model says; armed after `minPoints` points; tolerance 0 turns it off.
   */
  range?: { tolerance?: number; minPoints?: number };
  /**
   * Alarm line on the log-likelihood scale (0.5 ⇔ a likelihood of 1 − 10⁻⁵ that the recent scores
   * are not ordinary): the output score is divided by it, so 1.0 is the alarm line. After an
   * onset, new onsets are held back for `holdPoints` points.
   */
  alarm?: { level?: number; holdPoints?: number };
}

export interface ResolvedPipelineOptions {
  forest: StreamingDetectorOptions;
  likelihood: Required<AnomalyLikelihoodOptions>;
  robustZPoints: number;
  seasonal: { periodMs: number; points: number };
  range: { tolerance: number; minPoints: number };
  alarm: { level: number; holdPoints: number };
}

/** What drove a point's score. */
export type PipelineStage = 'forest' | 'robust_z' | 'seasonal' | 'range';

export interface PipelinePoint extends ScoredPoint {
  /**
   * Calibrated and bounded: 0 = ordinary, 1.0 = the alarm line, at most 1 / alarm.level (2 with the
   * defaults). null while warming up or at a gap.
   */
  score: number | null;
  /** score ≥ 1. */
  anomaly: boolean;
  /** This point opens an alarm (the first over-the-line point outside the hold of the previous one). */
  onset: boolean;
  stage: PipelineStage | null;
  /** Stage 1's calibrated forest score (capped at FOREST_SCORE_CAP), for diagnostics. */
  forestScore: number | null;
}

export interface ScoringPipelineState {
  format: 'homeostat.scoring-pipeline';
  version: 1;
  options: ResolvedPipelineOptions;
  forest: StreamingDetectorState;
  likelihoods: AnomalyLikelihoodState[];
  robustZ: TrailingRobustZState | null;
  seasonal: SeasonalDifferenceState | null;
  range: RangeGuardState;
  gate: AlarmGateState;
  points: number;
}

/**
 * A flat series gives the forest a calibration spread near zero and any change a calibrated score
 * of 10¹¹ and more; past this the forest's score carries no more information and would only swamp
 * the likelihood's long-run statistics.
 */
export const FOREST_SCORE_CAP = 1000;

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
  likelihood: { shortWindow: 10, longWindow: 1000, minSamples: 300, minStd: 0.1 },
  robustZPoints: 288,
  seasonal: { periodMs: DAY_MS, points: 1000 },
  range: { tolerance: 0.02, minPoints: 1000 },
  alarm: { level: 0.5, holdPoints: 400 },
};

/**
 * The one scoring pipeline, used by the live loop, the REST replay, the CLI and the NAB evaluation:
 * forest score → calibration → anomaly likelihood of the forest score, of the values' trailing
 * robust z and of their seasonal difference → range rule → alarm gate. Strictly causal: a point
 * is judged by state built from earlier points only.
 */
export class ScoringPipeline {
  readonly features: readonly string[];
  readonly options: ResolvedPipelineOptions;
  private forest: StreamingDetector;
  /** One per stage rated: forest, robust z, seasonal. */
  private readonly likelihoods: AnomalyLikelihood[];
  private readonly robustZ: TrailingRobustZ | null;
  private readonly seasonal: SeasonalDifference | null;
  private readonly range: RangeGuard;
  private readonly gate: AlarmGate;
  private points = 0;

  constructor(options: ScoringPipelineOptions & { features: string[] }) {
    const { features, ...rest } = options;
    this.options = resolvePipelineOptions(rest);
    this.features = [...features];
    const o = this.options;
    this.forest = new StreamingDetector({ ...o.forest, features });
    this.likelihoods = [0, 1, 2].map(() => new AnomalyLikelihood(o.likelihood));
    this.robustZ =
      o.robustZPoints > 0
        ? new TrailingRobustZ(features.length, o.robustZPoints, o.likelihood.shortWindow)
        : null;
    this.seasonal =
      o.seasonal.periodMs > 0
        ? new SeasonalDifference(
            features.length,
            o.seasonal.periodMs,
            o.seasonal.points,
            o.likelihood.shortWindow,
          )
        : null;
    this.range = new RangeGuard(features.length, o.range.tolerance);
    this.gate = new AlarmGate(o.alarm.holdPoints);
  }

  /** Scores once the forest is fitted and the likelihood knows enough of its history. */
  get warm(): boolean {
    return this.forest.warm && this.likelihoods[0].ready;
  }

  get fittedAt(): number | null {
    return this.forest.fittedAt;
  }

  push(timestampMs: number, values: ArrayLike<number | null>): PipelinePoint {
    const p = this.forest.push(timestampMs, values);
    this.points++;
    // The value stages learn from every point with data, whether or not the forest could score it.
    const outOfRange = this.range.update(values);
    const armed = this.options.range.tolerance > 0 && this.points > this.options.range.minPoints;
    const z = this.robustZ ? this.robustZ.update(values) : null;
    const seasonal = this.seasonal ? this.seasonal.update(timestampMs, values) : null;
    if (p.score === null) {
      this.gate.update(false);
      return { ...p, score: null, anomaly: false, onset: false, stage: null, forestScore: null };
    }
    const ready = this.likelihoods[0].ready;
    const forestScore = Math.min(p.score, FOREST_SCORE_CAP);
    let s = logLikelihoodScore(this.likelihoods[0].update(forestScore));
    let stage: PipelineStage = 'forest';
    let contributions: FeatureContribution[] = p.contributions;
    if (z) {
      // |z| / 10 puts a robust z on the forest score's scale (about 1 at the usual alarm levels).
      const sz = logLikelihoodScore(this.likelihoods[1].update(z.z / (Z_CLIP / 2)));
      if (sz > s && z.metric >= 0) {
        s = sz;
        stage = 'robust_z';
        contributions = only(this.features, [z.metric]);
      }
    }
    if (seasonal) {
      const ss = logLikelihoodScore(this.likelihoods[2].update(seasonal.z / (Z_CLIP / 2)));
      if (ss > s && seasonal.metric >= 0) {
        s = ss;
        stage = 'seasonal';
        contributions = only(this.features, [seasonal.metric]);
      }
    }
    if (armed && outOfRange.length > 0) {
      s = 1;
      stage = 'range';
      contributions = only(this.features, outOfRange);
    }
    if (!ready) {
      // The likelihoods are still learning what is ordinary for this series: no verdict yet.
      this.gate.update(false);
      return {
        ...p,
        score: null,
        anomaly: false,
        onset: false,
        stage: null,
        contributions: [],
        forestScore,
        status: 'warming',
      };
    }
    const score = Math.min(s / this.options.alarm.level, 1 / this.options.alarm.level);
    const anomaly = score >= 1;
    const onset = this.gate.update(anomaly);
    // The forest's attribution floor (a replay's cost saver) holds for the pipeline's score too.
    if (score < (this.options.forest.attributeAbove ?? 0)) contributions = [];
    return { ...p, score, anomaly, onset, stage, contributions, forestScore };
  }

  toJSON(): ScoringPipelineState {
    return {
      format: 'homeostat.scoring-pipeline',
      version: 1,
      options: this.options,
      forest: this.forest.toJSON(),
      likelihoods: this.likelihoods.map((l) => l.toJSON()),
      robustZ: this.robustZ ? this.robustZ.toJSON() : null,
      seasonal: this.seasonal ? this.seasonal.toJSON() : null,
      range: this.range.toJSON(),
      gate: this.gate.toJSON(),
      points: this.points,
    };
  }

  static fromJSON(state: unknown): ScoringPipeline {
    const s = state as Partial<ScoringPipelineState> | null;
    if (!s || typeof s !== 'object' || s.format !== 'homeostat.scoring-pipeline' || s.version !== 1) {
      throw new DetectorError('INVALID_STATE', 'not a homeostat.scoring-pipeline v1 snapshot', {
        field: 'format',
      });
    }
    const forest = StreamingDetector.fromJSON(s.forest);
    const p = new ScoringPipeline({
      ...(s.options as ResolvedPipelineOptions),
      features: [...forest.features],
    });
    try {
      p.forest = forest;
      (s.likelihoods ?? []).forEach((l, i) => p.likelihoods[i].restore(l));
      if (p.robustZ && s.robustZ) p.robustZ.restore(s.robustZ);
      if (p.seasonal && s.seasonal) p.seasonal.restore(s.seasonal);
      if (s.range) p.range.restore(s.range);
      if (s.gate) p.gate.restore(s.gate);
      p.points = Number(s.points ?? 0);
    } catch (err) {
      throw new DetectorError('INVALID_STATE', `pipeline snapshot: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return p;
  }
}

function only(features: readonly string[], metrics: readonly number[]): FeatureContribution[] {
  return metrics.map((m) => ({ feature: features[m], contribution: 1 / metrics.length }));
}

/** Fills in the defaults and checks the values; throws INVALID_OPTIONS naming the setting. */
export function resolvePipelineOptions(o: ScoringPipelineOptions): ResolvedPipelineOptions {
  const d = PIPELINE_DEFAULTS;
  const r: ResolvedPipelineOptions = {
    forest: { ...d.forest, ...stripUndefined(o.forest ?? {}) },
    likelihood: { ...d.likelihood, ...stripUndefined(o.likelihood ?? {}) },
    robustZPoints: o.robustZPoints ?? d.robustZPoints,
    seasonal: { ...d.seasonal, ...stripUndefined(o.seasonal ?? {}) },
    range: { ...d.range, ...stripUndefined(o.range ?? {}) },
    alarm: { ...d.alarm, ...stripUndefined(o.alarm ?? {}) },
  };
  const check = (ok: boolean, field: string, what: string) => {
    if (!ok) throw new DetectorError('INVALID_OPTIONS', `${field} ${what}`, { field });
  };
  const l = r.likelihood;
  check(
    Number.isInteger(l.shortWindow) && l.shortWindow >= 1,
    'likelihood.shortWindow',
    'must be a positive integer',
  );
  check(
    Number.isInteger(l.longWindow) && l.longWindow >= 2,
    'likelihood.longWindow',
    'must be an integer >= 2',
  );
  check(
    Number.isInteger(l.minSamples) && l.minSamples >= 2 && l.minSamples <= l.longWindow,
    'likelihood.minSamples',
    'must be an integer in [2, longWindow]',
  );
  check(l.minStd > 0, 'likelihood.minStd', 'must be > 0');
  check(
    Number.isInteger(r.robustZPoints) && r.robustZPoints >= 0,
    'robustZPoints',
    'must be an integer >= 0',
  );
  check(r.seasonal.periodMs >= 0, 'seasonal.periodMs', 'must be >= 0');
  check(
    Number.isInteger(r.seasonal.points) && r.seasonal.points >= 8,
    'seasonal.points',
    'must be an integer >= 8',
  );
  check(r.range.tolerance >= 0, 'range.tolerance', 'must be >= 0');
  check(
    Number.isInteger(r.range.minPoints) && r.range.minPoints >= 0,
    'range.minPoints',
    'must be an integer >= 0',
  );
  check(r.alarm.level > 0 && r.alarm.level <= 1, 'alarm.level', 'must be in (0, 1]');
  check(
    Number.isInteger(r.alarm.holdPoints) && r.alarm.holdPoints >= 0,
    'alarm.holdPoints',
    'must be an integer >= 0',
  );
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
