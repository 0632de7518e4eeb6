import { DetectorError } from '../errors';
import { base64ToFloat64, float64ToBase64 } from './base64';
import {
  FeaturePipeline,
  FeaturePipelineOptions,
  FeaturePipelineState,
  FeatureStatus,
} from './feature-pipeline';
import { IsolationForest, IsolationForestJSON } from './isolation-forest';
import { attribute, FeatureContribution } from './attribution';
import { Calibration, calibrate, calibratedScore, rangeExcess } from './calibration';

export interface StreamingDetectorOptions extends FeaturePipelineOptions {
  /** Isolation trees per model (default 100). */
  trees?: number;
  /** Sub-sample size ψ per tree (default 256). */
  sampleSize?: number;
  /** Seed of the first model; refit k uses seed + k, so a replay is reproducible (default 1). */
  seed?: number;
  /** Scorable samples needed before the first fit; no score (null) until then (default 128). */
  warmup?: number;
  /** The most recent accepted samples kept for training (default 2000). */
  trainingWindow?: number;
  /** Refit after this many new scorable samples (default 200). */
  refitEvery?: number;
  /** Expected share of anomalies in training data; the (1 − contamination) quantile of training scores is the threshold (default 0.01). */
  contamination?: number;
  /** Keep anomalous samples out of the next training set ("don't learn from incidents") (default true). */
  excludeAnomalies?: boolean;
  /**
   * Calibrated score above which a sample counts as an incident and is kept out of training
   * (default 1.5). Not 1.0: by construction about `contamination` of normal samples score above
   * 1, and dropping them too would shave the tails off every new model, which then flags more and
   * more of the normal stream.
   */
  excludeAbove?: number;
  /**
   * Flag a metric value beyond the training range by more than `rangeTolerance` × that range
   * (default 1; a negative value turns the check off). Its score becomes at least
   * 1 + the excess (in ranges), so a level shift beyond anything in the training window alarms.
   */
  rangeTolerance?: number;
  /**
   * After this many consecutive excluded samples the condition is taken as the new normal and
   * samples are accepted for training again, so a permanent level shift does not alarm forever
   * (default trainingWindow / 4).
   */
  acceptAfter?: number;
  /**
   * Compute contributions only for points whose calibrated score is at least this (default 0:
   * every scored point). Attribution costs one extra forest walk per metric, more than the score
   * itself; a replay that only reports the top feature of anomalous points (score > 1) sets a floor
   * below 1 and gets an empty list for the points under it. Scores are not affected.
   */
  attributeAbove?: number;
}

export interface ScoredPoint {
  timestamp: number;
  /** Calibrated: 0 = typical, 1.0 = the anomaly threshold. null while warming up or at a gap. */
  score: number | null;
  anomaly: boolean;
  /** Which metrics drove the score; shares sum to 1 when any metric raised it. */
  contributions: FeatureContribution[];
  /** Why there is no score (`warming`, `missing`, `stale`), or `ok`. */
  status?: FeatureStatus;
  /** The forest's s(x, ψ) in [0, 1] before calibration. */
  rawScore?: number;
}

export interface StreamingDetectorState {
  format: 'homeostat.streaming-detector';
  version: 1;
  features: string[];
  options: StreamingDetectorOptions;
  pipeline: FeaturePipelineState;
  training: string;
  sinceFit: number;
  fits: number;
  anomalyRun: number;
  fittedAt: number | null;
  calibration: Calibration | null;
  forest: IsolationForestJSON | null;
}

type Resolved = Required<Omit<StreamingDetectorOptions, 'staleAfterMs'>> & { staleAfterMs?: number };

/**
 * One entity's detector: feature pipeline → Isolation Forest → calibrated score → attribution,
 * strictly causal (a sample is scored by a model fitted only on earlier samples).
 */
export class StreamingDetector {
  readonly features: readonly string[];
  private readonly opts: Resolved;
  private readonly pipeline: FeaturePipeline;
  private readonly width: number;
  /** Ring buffer of accepted feature rows, trainingWindow × width. */
  private readonly training: Float64Array;
  private trainHead = 0;
  private trainCount = 0;
  private sinceFit = 0;
  private fits = 0;
  private anomalyRun = 0;
  private forest: IsolationForest | null = null;
  private calibration: Calibration | null = null;
  private _fittedAt: number | null = null;

  constructor(options: StreamingDetectorOptions & { features: string[] }) {
    const { features, ...rest } = options ?? ({} as { features: string[] });
    this.opts = resolve(rest);
    this.pipeline = new FeaturePipeline(features, rest);
    this.features = [...features];
    this.width = this.pipeline.columns.length;
    this.training = new Float64Array(this.opts.trainingWindow * this.width);
  }

  get warm(): boolean {
    return this.forest !== null;
  }

  get fittedAt(): number | null {
    return this._fittedAt;
  }

  /** The feature columns the forest sees (metrics, deltas, z-scores, time). */
  get columns(): readonly string[] {
    return this.pipeline.columns;
  }

  get options(): StreamingDetectorOptions {
    return { ...this.opts };
  }

  push(timestampMs: number, values: ArrayLike<number | null>): ScoredPoint {
    const step = this.pipeline.push(timestampMs, values);
    if (step.status !== 'ok' || step.row === null) {
      return { timestamp: timestampMs, score: null, anomaly: false, contributions: [], status: step.status };
    }
    const row = step.row;
    if (this.forest === null || this.calibration === null) {
      this.accept(row);
      if (this.trainCount >= this.opts.warmup) this.refit(timestampMs);
      return { timestamp: timestampMs, score: null, anomaly: false, contributions: [], status: 'warming' };
    }
    const raw = this.forest.scoreOne(row);
    let score = calibratedScore(raw, this.calibration);
    let contributions: FeatureContribution[];
    const excess = this.rangeExcesses(row);
    if (excess !== null && 1 + excess.max > score) {
      score = 1 + excess.max;
      contributions = this.features.map((feature, m) => ({
        feature,
        contribution: excess.byMetric[m] / excess.total,
      }));
    } else if (score >= this.opts.attributeAbove) {
      contributions = attribute(
        this.forest,
        row,
        raw,
        this.calibration.medians,
        this.pipeline.columnMetric,
        this.features,
      );
    } else {
      contributions = [];
    }
    const anomaly = score > 1;
    const incident = this.opts.excludeAnomalies && score > this.opts.excludeAbove;
    this.anomalyRun = incident ? this.anomalyRun + 1 : 0;
    if (!incident || this.anomalyRun > this.opts.acceptAfter) this.accept(row);
    this.sinceFit++;
    if (this.sinceFit >= this.opts.refitEvery) this.refit(timestampMs);
    return { timestamp: timestampMs, score, anomaly, contributions, status: 'ok', rawScore: raw };
  }

  toJSON(): StreamingDetectorState {
    return {
      format: 'homeostat.streaming-detector',
      version: 1,
      features: [...this.features],
      options: { ...this.opts },
      pipeline: this.pipeline.toJSON(),
      training: float64ToBase64(this.trainingRows()),
      sinceFit: this.sinceFit,
      fits: this.fits,
      anomalyRun: this.anomalyRun,
      fittedAt: this._fittedAt,
      calibration: this.calibration,
      forest: this.forest ? this.forest.toJSON() : null,
    };
  }

  static fromJSON(state: unknown): StreamingDetector {
    const s = state as Partial<StreamingDetectorState> | null;
    if (!s || typeof s !== 'object' || s.format !== 'homeostat.streaming-detector' || s.version !== 1) {
      throw new DetectorError('INVALID_STATE', 'not a homeostat.streaming-detector v1 snapshot', {
        field: 'format',
      });
    }
    if (!Array.isArray(s.features))
      throw new DetectorError('INVALID_STATE', 'snapshot has no features', { field: 'features' });
    const d = new StreamingDetector({ ...(s.options ?? {}), features: s.features });
    d.pipeline.restore(s.pipeline as FeaturePipelineState);
    const rows = base64ToFloat64(String(s.training ?? ''));
    if (rows.length % d.width !== 0 || rows.length / d.width > d.opts.trainingWindow) {
      throw new DetectorError('INVALID_STATE', 'snapshot training rows do not match the feature columns', {
        field: 'training',
      });
    }
    for (let i = 0; i < rows.length / d.width; i++) d.accept(rows.subarray(i * d.width, (i + 1) * d.width));
    d.sinceFit = Number(s.sinceFit ?? 0);
    d.fits = Number(s.fits ?? 0);
    d.anomalyRun = Number(s.anomalyRun ?? 0);
    d._fittedAt = s.fittedAt ?? null;
    d.calibration = s.calibration ?? null;
    d.forest = s.forest ? IsolationForest.fromJSON(s.forest) : null;
    if ((d.forest === null) !== (d.calibration === null)) {
      throw new DetectorError('INVALID_STATE', 'snapshot has a forest without calibration or the reverse', {
        field: 'calibration',
      });
    }
    return d;
  }

  /** Per-metric excess of the raw values over the training range; null when all are inside. */
  private rangeExcesses(row: Float64Array): { max: number; total: number; byMetric: number[] } | null {
    const c = this.calibration;
    const tol = this.opts.rangeTolerance;
    if (!c || !c.mins || !c.maxs || tol < 0) return null;
    const byMetric = this.features.map(() => 0);
    let max = 0;
    let total = 0;
    for (let j = 0; j < row.length; j++) {
      const m = this.pipeline.columnMetric[j];
      // Only raw values: deltas and z-scores are already relative, and the forest handles them.
      if (m < 0 || this.pipeline.columns[j] !== this.features[m]) continue;
      const e = rangeExcess(row[j], c.mins[j], c.maxs[j], tol);
      byMetric[m] = e;
      total += e;
      if (e > max) max = e;
    }
    return max > 0 ? { max, total, byMetric } : null;
  }

  private accept(row: Float64Array): void {
    this.training.set(row, this.trainHead * this.width);
    this.trainHead = (this.trainHead + 1) % this.opts.trainingWindow;
    if (this.trainCount < this.opts.trainingWindow) this.trainCount++;
  }

  /** Accepted rows, oldest first, packed row-major. */
  private trainingRows(): Float64Array {
    const w = this.width;
    const cap = this.opts.trainingWindow;
    const out = new Float64Array(this.trainCount * w);
    const start = (this.trainHead - this.trainCount + cap) % cap;
    for (let i = 0; i < this.trainCount; i++) {
      const r = (start + i) % cap;
      out.set(this.training.subarray(r * w, (r + 1) * w), i * w);
    }
    return out;
  }

  private refit(timestampMs: number): void {
    const data = this.trainingRows();
    const n = data.length / this.width;
    // At most half the rows per tree, so every training row is out of bag for about half the
    // trees or more and calibration sees honest, unseen-data scores.
    const forest = new IsolationForest({
      trees: this.opts.trees,
      sampleSize: Math.max(2, Math.min(this.opts.sampleSize, Math.floor(n / 2))),
      seed: this.opts.seed + this.fits,
    });
    const oob = forest.fitOutOfBag(data, this.width);
    this.calibration = calibrate(
      oob.filter((v) => !Number.isNaN(v)),
      data,
      this.width,
      this.opts.contamination,
    );
    this.forest = forest;
    this.fits++;
    this.sinceFit = 0;
    this._fittedAt = timestampMs;
  }
}

function resolve(o: StreamingDetectorOptions): Resolved {
  const trainingWindow = o.trainingWindow ?? 2000;
  const r: Resolved = {
    deltas: o.deltas ?? true,
    robustZ: o.robustZ ?? true,
    zWindow: o.zWindow ?? 60,
    zClip: o.zClip ?? 20,
    timeFeatures: o.timeFeatures ?? false,
    seasonMs: o.seasonMs ?? 0,
    staleAfterMs: o.staleAfterMs,
    trees: o.trees ?? 100,
    sampleSize: o.sampleSize ?? 256,
    seed: o.seed ?? 1,
    warmup: o.warmup ?? 128,
    trainingWindow,
    refitEvery: o.refitEvery ?? 200,
    contamination: o.contamination ?? 0.01,
    excludeAnomalies: o.excludeAnomalies ?? true,
    excludeAbove: o.excludeAbove ?? 1.5,
    rangeTolerance: o.rangeTolerance ?? 1,
    acceptAfter: o.acceptAfter ?? Math.floor(trainingWindow / 4),
    attributeAbove: o.attributeAbove ?? 0,
  };
  if (r.staleAfterMs === undefined) delete r.staleAfterMs;
  const positiveInt: Array<keyof Resolved> = [
    'trees',
    'sampleSize',
    'warmup',
    'trainingWindow',
    'refitEvery',
  ];
  for (const k of positiveInt) {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new DetectorError('INVALID_OPTIONS', `${k} must be a positive integer, got ${String(v)}`, {
        field: k,
      });
    }
  }
  if (r.warmup < 2)
    throw new DetectorError('INVALID_OPTIONS', 'warmup must be at least 2', { field: 'warmup' });
  if (r.warmup > r.trainingWindow) {
    throw new DetectorError('INVALID_OPTIONS', 'warmup cannot exceed trainingWindow', { field: 'warmup' });
  }
  if (!(r.contamination > 0 && r.contamination < 0.5)) {
    throw new DetectorError('INVALID_OPTIONS', `contamination must be in (0, 0.5), got ${r.contamination}`, {
      field: 'contamination',
    });
  }
  if (!(r.excludeAbove >= 1)) {
    throw new DetectorError(
      'INVALID_OPTIONS',
      `excludeAbove must be >= 1 (the threshold), got ${r.excludeAbove}`,
      {
        field: 'excludeAbove',
      },
    );
  }
  if (!(r.attributeAbove >= 0)) {
    throw new DetectorError('INVALID_OPTIONS', 'attributeAbove must be >= 0', { field: 'attributeAbove' });
  }
  if (!(r.acceptAfter >= 0))
    throw new DetectorError('INVALID_OPTIONS', 'acceptAfter must be >= 0', { field: 'acceptAfter' });
  return r;
}
