import type { ScoreRequest, ScoreResponse, ScoredSeries } from '@homeostat/contracts';
import { DetectorError } from '../errors';
import type { DetectorConfig } from './config';
import { alignFeatures } from './feature-frame';
import type { EntityFrame } from './feature-frame';
import type { ModelFactory } from './model-factory';
import type { PrometheusClient } from './prometheus-client';
import type { ReplayCache, ReplayRun } from './replay-cache';

/** A replay is refused beyond this many points per series (about 24 h at 1 s, 115 days at 15 s). */
export const MAX_REPLAY_POINTS = 100_000;

/**
 * Contributions are computed only for points scoring at least this: the replay reports just the
 * top feature, and users see it only on anomalous points (score > 1: the panel's anomaly bands,
 * events). Below the floor topFeatures is null. Scores do not depend on it.
 */
export const REPLAY_ATTRIBUTE_ABOVE = 0.5;

/**
 * Points this recent are scored but not cached: Prometheus may still ingest samples for them (a
 * scrape in flight), and a cached run must only hold inputs that will not change.
 */
const SETTLE_MS = 60_000;

export interface ReplayDeps {
  detectors: readonly DetectorConfig[];
  client: PrometheusClient;
  models: ModelFactory;
  /** Runs kept between requests; without one every request replays from scratch. */
  cache?: ReplayCache;
  /** When a configured detector's live models started: replays are anchored to it (see replayStart). */
  liveSince?: (detector: string) => number | null;
  /** Clock for the settle horizon (tests). */
  now?: () => number;
}

/**
 * Where the replay's models start: at or before one training window ahead of the first point, on
 * a grid of anchors `origin + k·period`. A fixed grid lets consecutive requests over a sliding range
 * (a dashboard refresh: `from` moves a little each time) share one run, so only the new points are
 * scored. The period is a power-of-two number of steps near an eighth of the range, so a
 * replay reads at most ~12 % more history than the range itself. The origin is the live models'
 * start (`liveSince` minus one window, on the step grid) when the detector is live at this step,
 * so a replay of the live range starts exactly where the live models did and matches their scores.
 */
export function replayStart(
  first: number,
  windowMs: number,
  stepMs: number,
  rangeMs: number,
  liveFirst: number | null,
): number {
  const steps = Math.max(1, rangeMs / 8 / stepMs);
  const period = stepMs * 2 ** Math.ceil(Math.log2(steps));
  const origin = liveFirst === null ? 0 : liveFirst - windowMs;
  return origin + Math.floor((first - windowMs - origin) / period) * period;
}

/** Settings of an ad-hoc (PromQL in the request) replay: the config defaults at the request's step. */
function adHocDetector(req: ScoreRequest, base?: DetectorConfig): DetectorConfig {
  const queries = req.queries ?? { value: req.query ?? '' };
  return {
    name: base?.name ?? 'adhoc',
    queries,
    groupBy: req.groupBy ?? [],
    intervalSeconds: req.stepSeconds,
    trainingWindowSeconds: Math.max(3600, req.stepSeconds * 20),
    refitIntervalSeconds: Math.max(900, req.stepSeconds * 10),
    sensitivity: 1,
    queryDelaySeconds: 0,
    forgetAfterSeconds: 300,
    trees: 100,
    sampleSize: 256,
    seed: 42,
  };
}

/**
 * Causal replay over [from, to] at stepSeconds: fresh models read one training window of history
 * before `from` (not returned), then score every step using only earlier points. With the live
 * loop's step and `from` at a detector's `liveSince`, it reproduces the live scores exactly, since
 * both push the same points into identically seeded models.
 */
export async function replay(req: ScoreRequest, deps: ReplayDeps): Promise<ScoreResponse> {
  let d: DetectorConfig;
  if (req.detector !== undefined) {
    const found = deps.detectors.find((x) => x.name === req.detector);
    if (!found)
      throw new DetectorError('INVALID_INPUT', `unknown detector ${req.detector}`, { field: 'detector' });
    d = req.groupBy ? { ...found, groupBy: req.groupBy } : found;
  } else {
    d = adHocDetector(req);
  }
  const stepMs = Math.round(req.stepSeconds * 1000);
  if (stepMs < 1)
    throw new DetectorError('INVALID_INPUT', 'stepSeconds must be at least 0.001', { field: 'stepSeconds' });
  const first = Math.ceil(req.from / stepMs) * stepMs;
  const points = Math.floor((req.to - first) / stepMs) + 1;
  if (points > MAX_REPLAY_POINTS) {
    throw new DetectorError(
      'INVALID_INPUT',
      `range has ${points} points per series; at most ${MAX_REPLAY_POINTS}, use a larger step`,
      {
        field: 'stepSeconds',
      },
    );
  }
  const windowMs = Math.floor((d.trainingWindowSeconds * 1000) / stepMs) * stepMs;
  const live =
    req.detector !== undefined && d.intervalSeconds === req.stepSeconds ? deps.liveSince?.(d.name) : null;
  const liveFirst = live === null || live === undefined ? null : Math.ceil(live / stepMs) * stepMs;
  const start = replayStart(first, windowMs, stepMs, req.to - first, liveFirst);
  const features = Object.keys(d.queries);
  let results;
  try {
    results = await Promise.all(
      features.map((f) => deps.client.queryRange(d.queries[f], start, req.to, req.stepSeconds)),
    );
  } catch (e) {
    if (e instanceof DetectorError && e.code === 'INVALID_QUERY') {
      const field = req.detector !== undefined ? 'detector' : req.query !== undefined ? 'query' : 'queries';
      throw new DetectorError('INVALID_QUERY', e.message, { field, cause: e });
    }
    throw e;
  }
  // Ad-hoc queries without groupBy: every distinct label set is its own entity.
  const groupBy = d.groupBy.length
    ? d.groupBy
    : [...new Set(results.flatMap((r) => r.flatMap((s) => Object.keys(s.labels))))]
        .filter((l) => l !== '__name__')
        .sort();
  const { entities } = alignFeatures(features, groupBy, results, req.match);

  const settled = (deps.now ?? Date.now)() - SETTLE_MS;
  const runKey = JSON.stringify([d, groupBy, stepMs, start]);
  const series: ScoredSeries[] = [];
  for (const frame of entities.values()) {
    const dg = { ...d, groupBy };
    const create = () =>
      deps.models.create(dg, req.stepSeconds, frame.key, { attributeAbove: REPLAY_ATTRIBUTE_ABOVE });
    const run = advanceRun(frame, settled, req.to, deps.cache, `${runKey}\n${frame.key}`, create);
    const out: ScoredSeries = {
      detector: d.name,
      key: frame.key,
      labels: frame.labels,
      timestamps: [],
      scores: [],
      anomalies: [],
      topFeatures: [],
      features: {},
    };
    const cols = features.map((f) => (out.features[f] = [] as (number | null)[]));
    const emit = (
      t: number,
      row: (number | null)[],
      score: number | null,
      anomaly: boolean,
      top: string | null,
    ) => {
      if (t < req.from || t > req.to) return;
      out.timestamps.push(t);
      out.scores.push(score);
      out.anomalies.push(anomaly);
      out.topFeatures.push(top);
      for (let f = 0; f < cols.length; f++) cols[f].push(row[f]);
    };
    for (let i = 0; i < run.timestamps.length; i++) {
      emit(run.timestamps[i], run.inputs[i], run.scores[i], run.anomalies[i], run.topFeatures[i]);
    }
    // The unsettled tail: scored on a copy, so the cached run only ever holds settled points.
    const rest = frame.timestamps.length - run.timestamps.length;
    if (rest > 0 && frame.timestamps[run.timestamps.length] <= req.to) {
      const copy = run.timestamps.length ? deps.models.restore(dg, run.model.toJSON()) : create();
      for (let i = run.timestamps.length; i < frame.timestamps.length; i++) {
        const p = copy.push(frame.timestamps[i], frame.rows[i]);
        emit(frame.timestamps[i], frame.rows[i], p.score, p.anomaly, topFeature(p.contributions));
      }
    }
    if (out.timestamps.length) series.push(out);
    // Long replays of many series: let /metrics and health checks through between entities.
    await new Promise((r) => setImmediate(r));
  }
  series.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { from: req.from, to: req.to, stepSeconds: req.stepSeconds, threshold: 1, series };
}

function topFeature(contributions: readonly { feature: string; contribution: number }[]): string | null {
  let top: string | null = null;
  let best = 0;
  for (const c of contributions) if (c.contribution > best) [best, top] = [c.contribution, c.feature];
  return top;
}

/**
 * The entity's cached run, checked against the freshly queried frame and extended through its
 * settled points. A run is reused only when every point it consumed is in the frame with the same
 * value (Prometheus data can change: late samples, retention, a deleted series); otherwise it is
 * replaced by a fresh one. Either way the scores are those of a fresh replay from the same start.
 */
function advanceRun(
  frame: EntityFrame,
  settled: number,
  to: number,
  cache: ReplayCache | undefined,
  key: string,
  create: () => ReplayRun['model'],
): ReplayRun {
  const fresh = (): ReplayRun => ({
    model: create(),
    timestamps: [],
    inputs: [],
    scores: [],
    anomalies: [],
    topFeatures: [],
  });
  let run = cache?.get(key);
  if (run && !sameInputs(run, frame, to)) run = undefined;
  if (!run) run = fresh();
  for (let i = run.timestamps.length; i < frame.timestamps.length; i++) {
    const t = frame.timestamps[i];
    if (t > settled || t > to) break;
    const p = run.model.push(t, frame.rows[i]);
    run.timestamps.push(t);
    run.inputs.push(frame.rows[i]);
    run.scores.push(p.score);
    run.anomalies.push(p.anomaly);
    run.topFeatures.push(topFeature(p.contributions));
  }
  cache?.set(key, run);
  return run;
}

/**
 * The frame holds exactly the run's points up to the frame's end: the same timestamps and values,
 * and (for a request ending earlier than the run) no point the run lacks before `to`.
 */
function sameInputs(run: ReplayRun, frame: EntityFrame, to: number): boolean {
  const n = Math.min(run.timestamps.length, frame.timestamps.length);
  if (n < run.timestamps.length && run.timestamps[n] <= to) return false;
  for (let i = 0; i < n; i++) {
    if (frame.timestamps[i] !== run.timestamps[i]) return false;
    const a = frame.rows[i];
    const b = run.inputs[i];
    for (let f = 0; f < a.length; f++) if (a[f] !== b[f]) return false;
  }
  return true;
}
