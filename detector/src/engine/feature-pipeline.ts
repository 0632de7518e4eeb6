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
  /**
   * Add each metric's seasonal difference, x(t) − x(t − seasonMs), e.g. 86 400 000 for the daily
   * cycle most service metrics follow: a missing daily peak or a flat stretch stays inside the
   * range but differs from yesterday. Until a season of history exists the step is `warming`
   * (default off).
   */
  seasonMs?: number;
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
  history?: { t: number[]; v: number[] }[];
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
  /** Per metric, (time, value) pairs of the last season, oldest first, for the seasonal difference. */
  private history: { t: number[]; v: number[] }[];
  private steps: number[] = [];
  private lastTimestamp: number | null = null;

  constructor(metrics: readonly string[], options: FeaturePipelineOptions = {}) {
    if (!Array.isArray(metrics) || metrics.length === 0) {
      throw new DetectorError('INVALID_OPTIONS', 'features must list at least one metric name', {
        field: 'features',
      });
    }
    const seen = new Set<string>();
    metrics.forEach((m, i) => {
      if (typeof m !== 'string' || m.length === 0 || seen.has(m)) {
        throw new DetectorError('INVALID_OPTIONS', `features.${i} must be a unique non-empty name`, {
          field: `features.${i}`,
        });
      }
      seen.add(m);
    });
    const o = {
      deltas: options.deltas ?? true,
      robustZ: options.robustZ ?? true,
      zWindow: options.zWindow ?? 60,
      zClip: options.zClip ?? 20,
      timeFeatures: options.timeFeatures ?? false,
      seasonMs: options.seasonMs ?? 0,
      staleAfterMs: options.staleAfterMs,
    };
    if (!(o.seasonMs >= 0))
      throw new DetectorError('INVALID_OPTIONS', 'seasonMs must be >= 0', { field: 'seasonMs' });
    if (!Number.isInteger(o.zWindow) || o.zWindow < MIN_Z_SAMPLES) {
      throw new DetectorError('INVALID_OPTIONS', `zWindow must be an integer >= ${MIN_Z_SAMPLES}`, {
        field: 'zWindow',
      });
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
      if (o.seasonMs > 0) {
        cols.push(`${m}.season`);
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
    this.history = metrics.map(() => ({ t: [], v: [] }));
  }

  get options(): FeaturePipelineOptions {
    return { ...this.opts };
  }

  push(timestampMs: number, values: ArrayLike<number | null>): FeatureStep {
    if (typeof timestampMs !== 'number' || !Number.isFinite(timestampMs)) {
      throw new DetectorError(
        'INVALID_INPUT',
        `timestamp must be a finite number of ms, got ${String(timestampMs)}`,
        {
          field: 'timestamp',
        },
      );
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
        c += 1 + (o.deltas ? 1 : 0) + (o.robustZ ? 1 : 0) + (o.seasonMs > 0 ? 1 : 0);
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
      if (o.seasonMs > 0) {
        const past = this.seasonAgo(m, timestampMs, staleAfter);
        if (past === null) warming = true;
        row[c++] = past === null ? 0 : v - past;
        const h = this.history[m];
        h.t.push(timestampMs);
        h.v.push(v);
        // Keep a little more than one season so the look-up always has a neighbour on each side.
        let drop = 0;
        while (drop < h.t.length && h.t[drop] < timestampMs - 1.1 * o.seasonMs) drop++;
        if (drop > 0) {
          h.t.splice(0, drop);
          h.v.splice(0, drop);
        }
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
      history: this.history.map((h) => ({ t: [...h.t], v: [...h.v] })),
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
      throw new DetectorError('INVALID_STATE', 'feature pipeline state does not match the metrics', {
        field: 'pipeline',
      });
    }
    this.lastValue = [...state.lastValue];
    this.lastTime = [...state.lastTime];
    this.windows = state.windows.map((vals) => RollingWindow.from(this.opts.zWindow, vals));
    this.history = this.metrics.map((_, m) => ({
      t: [...(state.history?.[m]?.t ?? [])],
      v: [...(state.history?.[m]?.v ?? [])],
    }));
    this.steps = [...state.steps];
    this.lastTimestamp = state.lastTimestamp;
  }

  /** The metric's value nearest to t − season, if one lies within half a step (or staleAfter) of it. */
  private seasonAgo(m: number, t: number, staleAfter: number | null): number | null {
    const h = this.history[m];
    const target = t - this.opts.seasonMs;
    if (h.t.length === 0 || h.t[0] > target) return null;
    let lo = 0;
    let hi = h.t.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (h.t[mid] <= target) lo = mid;
      else hi = mid - 1;
    }
    const best = lo + 1 < h.t.length && h.t[lo + 1] - target < target - h.t[lo] ? lo + 1 : lo;
    const slack = staleAfter ?? Infinity;
    return Math.abs(h.t[best] - target) <= slack ? h.v[best] : null;
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
