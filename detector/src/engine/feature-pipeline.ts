import { DetectorError } from '../errors';
import { RollingWindow } from './rolling-stats';

export interface FeaturePipelineOptions {
  /** Add the first difference of each metric (default true). */
  deltas?: boolean;
  /** Add a rolling robust z-score, (x − median) / (1.4826·MAD), of each metric (default true). */
  robustZ?: boolean;
  /** Samples in the trailing window behind the robust z-score (default 60). */
  zWindow?: number;
  /** Robust z-scores are clipped to ±zClip so one flat window cannot produce infinities (default 20). */
  zClip?: number;
  /** Add sin/cos of time of day and day of week (UTC) (default false). */
  timeFeatures?: boolean;
  /**
   * A metric whose previous sample is older than this is stale: its delta would span the gap, so the
   * step is not scored (status `stale`). Default: 5 × the median step seen so far.
   */
  staleAfterMs?: number;
}

export type FeatureStatus = 'ok' | 'warming' | 'missing' | 'stale';

export interface FeatureStep {
  status: FeatureStatus;
  /** The feature row; null unless status is `ok`. */
  row: Float64Array | null;
  /** Metrics whose value was missing (null, NaN or ±∞) or stale at this step. */
  problems: string[];
}

export interface FeaturePipelineState {
  lastValue: (number | null)[];
  lastTime: (number | null)[];
  windows: number[][];
  steps: number[];
  lastTimestamp: number | null;
}

const MAD_TO_SIGMA = 1.4826;
const MIN_Z_SAMPLES = 8;
const STEP_HISTORY = 16;

/**
 * Turns one entity's aligned multi-metric samples into feature rows, causally: raw values, deltas,
 * rolling robust z-scores against the trailing window (the current sample is not in its own
 * baseline), and optional cyclic time features. Gaps are explicit: a step with a missing value is
 * reported `missing` and produces no row; nothing is ever filled with zero.
 */
export class FeaturePipeline {
  readonly metrics: readonly string[];
  readonly columns: readonly string[];
  /** For each column, the index of the metric it derives from (−1 for time features). */
  readonly columnMetric: Int32Array;
  private readonly opts: Required<Omit<FeaturePipelineOptions, 'staleAfterMs'>> & { staleAfterMs?: number };
  private lastValue: (number | null)[];
  private lastTime: (number | null)[];
  private windows: RollingWindow[];
  private steps: number[] = [];
  private lastTimestamp: number | null = null;

  constructor(metrics: readonly string[], options: FeaturePipelineOptions = {}) {
    if (!Array.isArray(metrics) || metrics.length === 0) {
      throw new DetectorError('INVALID_OPTIONS', 'features must list at least one metric name', { field: 'features' });
    }
    const seen = new Set<string>();
    metrics.forEach((m, i) => {
      if (typeof m !== 'string' || m.length === 0 || seen.has(m)) {
        throw new DetectorError('INVALID_OPTIONS', `features.${i} must be a unique non-empty name`, { field: `features.${i}` });
      }
      seen.add(m);
    });
    const o = {
      deltas: options.deltas ?? true,
      robustZ: options.robustZ ?? true,
      zWindow: options.zWindow ?? 60,
      zClip: options.zClip ?? 20,
      timeFeatures: options.timeFeatures ?? false,
      staleAfterMs: options.staleAfterMs,
    };
    if (!Number.isInteger(o.zWindow) || o.zWindow < MIN_Z_SAMPLES) {
      throw new DetectorError('INVALID_OPTIONS', `zWindow must be an integer >= ${MIN_Z_SAMPLES}`, { field: 'zWindow' });
    }
    if (!(o.zClip > 0)) throw new DetectorError('INVALID_OPTIONS', 'zClip must be > 0', { field: 'zClip' });
    if (o.staleAfterMs !== undefined && !(o.staleAfterMs > 0)) {
      throw new DetectorError('INVALID_OPTIONS', 'staleAfterMs must be > 0', { field: 'staleAfterMs' });
    }
    this.opts = o;
    this.metrics = [...metrics];
    const cols: string[] = [];
    const owner: number[] = [];
    metrics.forEach((m, i) => {
      cols.push(m);
      owner.push(i);
      if (o.deltas) {
        cols.push(`${m}.delta`);
        owner.push(i);
      }
      if (o.robustZ) {
        cols.push(`${m}.z`);
        owner.push(i);
      }
    });
    if (o.timeFeatures) {
      for (const c of ['time.day_sin', 'time.day_cos', 'time.week_sin', 'time.week_cos']) {
        cols.push(c);
        owner.push(-1);
      }
    }
    this.columns = cols;
    this.columnMetric = Int32Array.from(owner);
    this.lastValue = metrics.map(() => null);
    this.lastTime = metrics.map(() => null);
    this.windows = metrics.map(() => new RollingWindow(o.zWindow));
  }

  get options(): FeaturePipelineOptions {
    return { ...this.opts };
  }

  push(timestampMs: number, values: ArrayLike<number | null>): FeatureStep {
    if (typeof timestampMs !== 'number' || !Number.isFinite(timestampMs)) {
      throw new DetectorError('INVALID_INPUT', `timestamp must be a finite number of ms, got ${String(timestampMs)}`, {
        field: 'timestamp',
      });
    }
    if (this.lastTimestamp !== null && timestampMs <= this.lastTimestamp) {
      throw new DetectorError(
        'TIMESTAMP_NOT_INCREASING',
        `timestamp ${timestampMs} is not after the previous one (${this.lastTimestamp})`,
        { field: 'timestamp' },
      );
    }
    if (!values || values.length !== this.metrics.length) {
      throw new DetectorError(
        'WRONG_WIDTH',
        `expected ${this.metrics.length} values (${this.metrics.join(', ')}), got ${values ? values.length : 0}`,
        { field: 'values' },
      );
    }
    if (this.lastTimestamp !== null) {
      this.steps.push(timestampMs - this.lastTimestamp);
      if (this.steps.length > STEP_HISTORY) this.steps.shift();
    }
    this.lastTimestamp = timestampMs;
    const staleAfter = this.staleAfter();
    const o = this.opts;
    const row = new Float64Array(this.columns.length);
    const missing: string[] = [];
    const stale: string[] = [];
    let warming = false;
    let c = 0;
    for (let m = 0; m < this.metrics.length; m++) {
      const raw = values[m];
      const v = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
      if (v === null) {
        missing.push(this.metrics[m]);
        c += 1 + (o.deltas ? 1 : 0) + (o.robustZ ? 1 : 0);
        continue;
      }
      const prev = this.lastValue[m];
      const prevT = this.lastTime[m];
      const isStale = prevT !== null && staleAfter !== null && timestampMs - prevT > staleAfter;
      row[c++] = v;
      if (o.deltas) {
        if (prev === null) warming = true;
        else if (isStale) stale.push(this.metrics[m]);
        row[c++] = prev === null ? 0 : v - prev;
      }
      if (o.robustZ) {
        const w = this.windows[m];
        if (w.size < MIN_Z_SAMPLES) {
          warming = true;
          row[c++] = 0;
        } else {
          row[c++] = this.robustZ(w, v);
        }
        w.push(v);
      }
      this.lastValue[m] = v;
      this.lastTime[m] = timestampMs;
    }
    if (o.timeFeatures) {
      const day = 86_400_000;
      const dayPhase = ((timestampMs % day) / day) * 2 * Math.PI;
      // 1970-01-01 was a Thursday; the phase only needs to be consistent, not Monday-based.
      const weekPhase = ((timestampMs % (7 * day)) / (7 * day)) * 2 * Math.PI;
      row[c++] = Math.sin(dayPhase);
      row[c++] = Math.cos(dayPhase);
      row[c++] = Math.sin(weekPhase);
      row[c++] = Math.cos(weekPhase);
    }
    if (missing.length) return { status: 'missing', row: null, problems: missing };
    if (stale.length) return { status: 'stale', row: null, problems: stale };
    if (warming) return { status: 'warming', row: null, problems: [] };
    return { status: 'ok', row, problems: [] };
  }

  toJSON(): FeaturePipelineState {
    return {
      lastValue: [...this.lastValue],
      lastTime: [...this.lastTime],
      windows: this.windows.map((w) => w.values()),
      steps: [...this.steps],
      lastTimestamp: this.lastTimestamp,
    };
  }

  restore(state: FeaturePipelineState): void {
    const n = this.metrics.length;
    if (
      !state ||
      !Array.isArray(state.lastValue) ||
      state.lastValue.length !== n ||
      !Array.isArray(state.lastTime) ||
      state.lastTime.length !== n ||
      !Array.isArray(state.windows) ||
      state.windows.length !== n ||
      !Array.isArray(state.steps)
    ) {
      throw new DetectorError('INVALID_STATE', 'feature pipeline state does not match the metrics', { field: 'pipeline' });
    }
    this.lastValue = [...state.lastValue];
    this.lastTime = [...state.lastTime];
    this.windows = state.windows.map((vals) => RollingWindow.from(this.opts.zWindow, vals));
    this.steps = [...state.steps];
    this.lastTimestamp = state.lastTimestamp;
  }

  private staleAfter(): number | null {
    if (this.opts.staleAfterMs !== undefined) return this.opts.staleAfterMs;
    if (this.steps.length < 3) return null;
    const s = [...this.steps].sort((a, b) => a - b);
    return 5 * s[s.length >> 1];
  }

  /**
   * (x − median) / scale, scale = 1.4826·MAD. When more than half the window is one value (MAD 0:
   * a flat series with rare blips), fall back to the mean absolute deviation, then to a tiny
   * fraction of the level, so a change on a flat line is a large but finite, clipped z.
   */
  private robustZ(w: RollingWindow, v: number): number {
    const { median, mad, meanAbsDev } = w.medianMad();
    let scale = MAD_TO_SIGMA * mad;
    if (!(scale > 0)) scale = 1.2533 * meanAbsDev;
    if (!(scale > 0)) scale = 1e-6 * Math.max(1, Math.abs(median));
    const z = (v - median) / scale;
    const clip = this.opts.zClip;
    return z > clip ? clip : z < -clip ? -clip : z;
  }
}
