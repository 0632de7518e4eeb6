import { DetectorError } from '../errors';
import { AnomalyLikelihood, type AnomalyLikelihoodState, logLikelihoodScore } from './anomaly-likelihood';
import { AlarmGate, type AlarmGateState } from './alarm-gate';
import type { FeatureContribution } from './attribution';
import { DemandContext } from './demand-context';
import { RangeGuard, type RangeGuardState } from './range-guard';
import { SeasonalDifference, type SeasonalDifferenceState } from './seasonal-difference';
import { StreamingDetector, type ScoredPoint, type StreamingDetectorState } from './streaming-detector';
import { TrailingRobustZ, Z_CLIP, type TrailingRobustZState } from './trailing-robust-z';
import {
  resolvePipelineOptions,
  type ResolvedPipelineOptions,
  type ScoringPipelineOptions,
} from './pipeline-options';

// The settings live in their own file; their users import them from the pipeline as before.
export * from './pipeline-options';

/** What drove a point's score. */
export type PipelineStage = 'forest' | 'robust_z' | 'seasonal' | 'range';

export interface PipelinePoint extends ScoredPoint {
  /**
   * Calibrated and bounded: 0 = ordinary, 1.0 = the alarm line, 2.0 = certain (at most). null while
   * warming up or at a gap.
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
  version: 2;
  options: ResolvedPipelineOptions;
  forest: StreamingDetectorState;
  likelihood: AnomalyLikelihoodState;
  zLikelihoods: AnomalyLikelihoodState[];
  seasonalLikelihoods: AnomalyLikelihoodState[];
  robustZ: TrailingRobustZState | null;
  seasonal: SeasonalDifferenceState | null;
  range: RangeGuardState;
  gate: AlarmGateState;
}

/**
 * A flat series gives the forest a calibration spread near zero and any change a calibrated score
 * of 10¹¹ and more; past this the forest's score carries no more information and would only swamp
 * the likelihood's long-run statistics.
 */
export const FOREST_SCORE_CAP = 1000;

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
  private readonly likelihood: AnomalyLikelihood;
  /** One per metric. */
  private readonly zLikelihoods: AnomalyLikelihood[];
  private readonly seasonalLikelihoods: AnomalyLikelihood[];
  private readonly robustZ: TrailingRobustZ | null;
  private readonly seasonal: SeasonalDifference | null;
  private readonly range: RangeGuard;
  private readonly gate: AlarmGate;
  private readonly demand: DemandContext;
  /** The range verdicts a rule that is off gives (all in range). */
  private readonly noSide: Int8Array;

  constructor(options: ScoringPipelineOptions & { features: string[] }) {
    const { features, ...rest } = options;
    this.options = resolvePipelineOptions(rest);
    this.features = [...features];
    const o = this.options;
    for (const [setting, byFeature] of [
      ['robustZAbsoluteFloor', o.robustZAbsoluteFloor],
      ['range.minExcess', o.range.minExcess],
      ['demand.features', Object.fromEntries((o.demand.features ?? []).map((f) => [f, 0]))],
      ['demand.resources', Object.fromEntries((o.demand.resources ?? []).map((f) => [f, 0]))],
    ] as const) {
      const unknown = Object.keys(byFeature).find((f) => !features.includes(f));
      if (unknown !== undefined)
        throw new DetectorError('INVALID_OPTIONS', `${setting}.${unknown} names no feature`, {
          field: `${setting}.${unknown}`,
        });
    }
    const both = (o.demand.features ?? []).find((f) => (o.demand.resources ?? []).includes(f));
    if (both !== undefined)
      throw new DetectorError('INVALID_OPTIONS', `demand.resources.${both} is a demand feature`, {
        field: `demand.resources.${both}`,
      });
    // The floors concern the values' own robust z only: the forest's z features fall back to the
    // mean absolute deviation on a flat window (feature-pipeline.ts), and judge values on their own.
    const zFloor = {
      relative: o.robustZRelativeFloor,
      absolute: features.map((f) => o.robustZAbsoluteFloor[f] ?? 0),
    };
    this.forest = new StreamingDetector({ ...o.forest, features });
    // an average held out of the history is one the pipeline would alarm on
    const lik = { ...o.likelihood, excludeAbove: o.alarm.level };
    this.likelihood = new AnomalyLikelihood(lik);
    this.zLikelihoods = features.map(() => new AnomalyLikelihood(lik));
    this.seasonalLikelihoods = features.map(() => new AnomalyLikelihood(lik));
    this.robustZ = o.robustZPoints > 0 ? new TrailingRobustZ(features.length, o.robustZPoints, zFloor) : null;
    this.seasonal =
      o.seasonal.periodMs > 0
        ? new SeasonalDifference(features.length, o.seasonal.periodMs, o.seasonal.points)
        : null;
    // Judged per metric after minPoints of its own values and, when the seasonal stage is on, a
    // whole period of them (a model started at night has not seen the daily peak).
    this.range = new RangeGuard(
      features.length,
      o.range.tolerance,
      o.range.minPoints,
      o.seasonal.periodMs,
      o.range.acceptAfter,
      features.map((f) => o.range.minExcess[f] ?? 0),
    );
    this.gate = new AlarmGate(o.alarm.holdPoints);
    this.demand = new DemandContext(features, {
      demand: o.demand.features ?? undefined,
      resources: o.demand.resources ?? undefined,
    });
    this.noSide = new Int8Array(features.length);
  }

  /** Scores once the forest is fitted and the likelihood knows enough of its history. */
  get warm(): boolean {
    return this.forest.warm && this.likelihood.ready;
  }

  get fittedAt(): number | null {
    return this.forest.fittedAt;
  }

  push(timestampMs: number, values: ArrayLike<number | null>): PipelinePoint {
    const p = this.forest.push(timestampMs, values);
    // The value stages learn from every point with data, whether or not the forest could score it.
    const outOfRange = this.range.update(values, timestampMs);
    const armed = this.options.range.tolerance > 0;
    const z = this.robustZ ? this.robustZ.update(values) : null;
    const seasonal = this.seasonal ? this.seasonal.update(timestampMs, values) : null;
    const context = this.demand.update({
      rangeSide: armed ? this.range.side : this.noSide,
      values,
      medians: this.robustZ ? this.robustZ.median : null,
    });
    if (p.score === null) {
      this.gate.update(false);
      return { ...p, score: null, anomaly: false, onset: false, stage: null, forestScore: null };
    }
    const ready = this.likelihood.ready;
    const forestScore = Math.min(p.score, FOREST_SCORE_CAP);
    // The forest judges all features together: its alarm counts in the share of the point's
    // deviation (each metric's robust z) that lies on features that are not context (demand, or
    // resources moving with it), so a point isolated by its traffic alone is not an alarm while one
    // isolated by its latency still is. The robust z, not the forest's attribution: a replay
    // attributes only high scores (a cost saver), and it must score as the live loop does.
    let s = logLikelihoodScore(this.likelihood.update(forestScore)) * faultShare(z, context);
    let stage: PipelineStage = 'forest';
    let contributions: FeatureContribution[] = p.contributions;
    // |z| / 10 puts a robust z on the forest score's scale (about 1 at the usual alarm levels).
    // With m metrics rated one by one, one of them is m times as likely to look improbable by
    // chance: the Bonferroni correction, log10(m) / 10 on the log-likelihood scale (0 for one metric).
    const multiple = Math.log10(Math.max(1, this.features.length)) / 10;
    const rate = (zs: Float64Array | null, lik: AnomalyLikelihood[], name: PipelineStage) => {
      if (!zs) return;
      for (let m = 0; m < zs.length; m++) {
        if (Number.isNaN(zs[m])) continue;
        // every likelihood learns its history; a context feature's cannot carry the alarm
        const sm = logLikelihoodScore(lik[m].update(zs[m] / (Z_CLIP / 2))) - multiple;
        if (sm > s && !context[m]) {
          s = sm;
          stage = name;
          contributions = only(this.features, [m]);
        }
      }
    };
    rate(z, this.zLikelihoods, 'robust_z');
    rate(seasonal, this.seasonalLikelihoods, 'seasonal');
    // out of range: an alarm when a fault signal is among them; context features out with it are
    // attributed too (latency beyond its range while traffic is beyond its own: overload)
    if (armed && outOfRange.some((m) => !context[m])) {
      s = 1;
      stage = 'range';
      contributions = byExcess(this.features, outOfRange, this.range.excess);
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
    // 1.0 is the alarm line and 2.0 certainty (likelihood 1 − 10⁻¹⁰, or out of range) whatever the
    // level, so the shipped rules (> 1, critical > 1.5) mean the same for every config.
    const level = this.options.alarm.level;
    const score = s <= level ? s / level : Math.min(2, 1 + (s - level) / (1 - level));
    const anomaly = score >= 1;
    const onset = this.gate.update(anomaly);
    if (anomaly) contributions = withRisenDemand(contributions, this.features, this.demand.risen);
    // The forest's attribution floor (a replay's cost saver) holds for the pipeline's score too.
    if (score < (this.options.forest.attributeAbove ?? 0)) contributions = [];
    return { ...p, score, anomaly, onset, stage, contributions, forestScore };
  }

  toJSON(): ScoringPipelineState {
    return {
      format: 'homeostat.scoring-pipeline',
      version: 2,
      options: this.options,
      forest: this.forest.toJSON(),
      likelihood: this.likelihood.toJSON(),
      zLikelihoods: this.zLikelihoods.map((l) => l.toJSON()),
      seasonalLikelihoods: this.seasonalLikelihoods.map((l) => l.toJSON()),
      robustZ: this.robustZ ? this.robustZ.toJSON() : null,
      seasonal: this.seasonal ? this.seasonal.toJSON() : null,
      range: this.range.toJSON(),
      gate: this.gate.toJSON(),
    };
  }

  static fromJSON(state: unknown): ScoringPipeline {
    const s = state as Partial<ScoringPipelineState> | null;
    if (!s || typeof s !== 'object' || s.format !== 'homeostat.scoring-pipeline' || s.version !== 2) {
      throw new DetectorError('INVALID_STATE', 'not a homeostat.scoring-pipeline v2 snapshot', {
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
      if (s.likelihood) p.likelihood.restore(s.likelihood);
      (s.zLikelihoods ?? []).forEach((l, i) => p.zLikelihoods[i]?.restore(l));
      (s.seasonalLikelihoods ?? []).forEach((l, i) => p.seasonalLikelihoods[i]?.restore(l));
      if (p.robustZ && s.robustZ) p.robustZ.restore(s.robustZ);
      if (p.seasonal && s.seasonal) p.seasonal.restore(s.seasonal);
      if (s.range) p.range.restore(s.range);
      if (s.gate) p.gate.restore(s.gate);
    } catch (err) {
      throw new DetectorError('INVALID_STATE', `pipeline snapshot: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return p;
  }
}

/**
 * Metrics out of range at once, each in proportion to how far it went past its own margin (the
 * range guard's `excess`): the one furthest out names the alarm. Equal shares left the pick, and so
 * the remediator's ladder, to Prometheus' topk on a tie.
 */
function byExcess(
  features: readonly string[],
  metrics: readonly number[],
  excess: Float64Array,
): FeatureContribution[] {
  // every metric out of range is at least one margin out (range-guard.ts), so the total is > 0
  const total = metrics.reduce((a, m) => a + excess[m], 0);
  return metrics.map((m) => ({ feature: features[m], contribution: excess[m] / total }));
}

/**
 * An alarm carried by latency or errors while demand rose markedly (beyond its range, or a quarter
 * above its trailing median) names the demand beside them, as large as the largest share: that is
 * overload, and the remediator's ladder scales out on `latency_p95,request_rate` where it restarts on
 * latency alone. In a soak the gateway's p95 went 8x at 500 rps, a rate within the range it had
 * learned minutes before, and its alerts said "latency at the same demand". Nothing to add to an
 * empty attribution (a replay attributes only high forest scores).
 */
function withRisenDemand(
  contributions: FeatureContribution[],
  features: readonly string[],
  risen: readonly boolean[],
): FeatureContribution[] {
  if (contributions.length === 0 || !risen.some(Boolean)) return contributions;
  const top = Math.max(...contributions.map((c) => c.contribution));
  const out = contributions.filter((c) => !risen[features.indexOf(c.feature)]);
  for (let m = 0; m < features.length; m++) {
    if (!risen[m]) continue;
    const had = contributions.find((c) => c.feature === features[m])?.contribution ?? 0;
    out.push({ feature: features[m], contribution: Math.max(had, top) });
  }
  const total = out.reduce((a, c) => a + c.contribution, 0);
  return out.map((c) => ({ feature: c.feature, contribution: c.contribution / total }));
}

/** Share of a point's robust z on features that are not context; 1 when it cannot tell. */
function faultShare(z: Float64Array | null, context: readonly boolean[]): number {
  if (!z || !context.some(Boolean)) return 1;
  let total = 0;
  let fault = 0;
  for (let m = 0; m < z.length; m++) {
    if (Number.isNaN(z[m])) continue;
    total += z[m];
    if (!context[m]) fault += z[m];
  }
  return total > 0 ? fault / total : 1;
}

function only(features: readonly string[], metrics: readonly number[]): FeatureContribution[] {
  return metrics.map((m) => ({ feature: features[m], contribution: 1 / metrics.length }));
}
