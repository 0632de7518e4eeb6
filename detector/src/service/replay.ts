import type { ScoreRequest, ScoreResponse, ScoredSeries } from '@homeostat/contracts';
import { DetectorError } from '../errors';
import { DEFAULT_QUERY_DELAY_SECONDS, ModelSettings, modelConfig, type DetectorConfig } from './config';
import { alignFeatures } from './feature-frame';
import type { EntityFrame } from './feature-frame';
import { historyMs, type ModelFactory } from './model-factory';
import type { PrometheusClient } from './prometheus-client';
import { recordedForReplay, type LiveScoreSource } from './recorded-for-replay';
import type { ReplayCache, ReplayRun } from './replay-cache';
import { RootCauseSettings } from './root-cause/root-cause-settings';
import { topFeature } from './top-feature';

/** A replay is refused beyond this many points per series (about 24 h at 1 s, 115 days at 15 s). */
export const MAX_REPLAY_POINTS = 100_000;

/**
 * Contributions are computed only for points scoring at least this: the replay reports just the
 * top feature, and users see it only on anomalous points (score > 1: the panel's anomaly bands,
 * events). Below the floor topFeatures is null. Scores do not depend on it.
 */
export const REPLAY_ATTRIBUTE_ABOVE = 0.5;

/** A refresh re-reads this many steps before what its runs have consumed, to check them. */
const OVERLAP_STEPS = 20;

export interface ReplayDeps {
  detectors: readonly DetectorConfig[];
  client: PrometheusClient;
  models: ModelFactory;
  /** Runs kept between requests; without one every request replays from scratch. */
  cache?: ReplayCache;
  /** When a configured detector's live models started: replays are anchored to it (see replayStart). */
  liveSince?: (detector: string) => number | null;
  /**
   * The live loop's recorded scores (LiveScoreLog.range): served instead of recomputed, so a panel
   * shows the scores the alerts fired on (see recorded-for-replay.ts).
   */
  liveScores?: LiveScoreSource;
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
function adHocDetector(req: ScoreRequest): DetectorConfig {
  const queries = req.queries ?? { value: req.query ?? '' };
  return {
    name: 'adhoc',
    queries,
    groupBy: req.groupBy ?? [],
    ...modelConfig(ModelSettings.parse({}), req.stepSeconds),
    queryDelaySeconds: DEFAULT_QUERY_DELAY_SECONDS,
    forgetAfterSeconds: 300,
    missing: {},
    rootCause: RootCauseSettings.parse({ enabled: false }),
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
  const windowMs = historyMs(d, req.stepSeconds);
  const live =
    req.detector !== undefined && d.intervalSeconds === req.stepSeconds ? deps.liveSince?.(d.name) : null;
  const liveFirst = live === null || live === undefined ? null : Math.ceil(live / stepMs) * stepMs;
  const start = replayStart(first, windowMs, stepMs, req.to - first, liveFirst);
  const features = Object.keys(d.queries);
  // What the query API said beside the data (a partial response, a dropped series): in the answer.
  const warnings: string[] = [];
  const query = async (queryFrom: number) => {
    try {
      return await Promise.all(
        features.map((f) =>
          deps.client.queryRange(d.queries[f], queryFrom, req.to, req.stepSeconds, { warnings }),
        ),
      );
    } catch (e) {
      if (e instanceof DetectorError && e.code === 'INVALID_QUERY') {
        const field = req.detector !== undefined ? 'detector' : req.query !== undefined ? 'query' : 'queries';
        throw new DetectorError('INVALID_QUERY', e.message, { field, cause: e });
      }
      throw e;
    }
  };
  // The live loop's settle delay: a point is scored once it is this old, by the live loop and by a
  // replay alike, so both read the same data; newer points are left for the next refresh.
  const settled = Math.min(req.to, (deps.now ?? Date.now)() - d.queryDelaySeconds * 1000);
  // Points the live loop scored are served from its record.
  const recorded =
    req.detector !== undefined
      ? recordedForReplay(
          d,
          deps.detectors.find((x) => x.name === d.name),
          stepMs,
          first,
          settled,
          deps.liveScores,
        )
      : undefined;
  const runKey = JSON.stringify([d, stepMs, start, req.match ?? null]);

  // A refresh of a range whose runs are cached reads only the new points (plus an overlap that is
  // checked against the runs); anything unexpected falls back to the full range.
  const cov = d.groupBy.length ? deps.cache?.coverage(runKey) : undefined;
  if (cov && req.to >= cov.until) {
    const queryFrom = Math.max(start, cov.until - OVERLAP_STEPS * stepMs);
    const { entities } = alignFeatures(features, d.groupBy, await query(queryFrom), req.match);
    const runs = cov.keys.map((k) => deps.cache?.get(`${runKey}\n${k}`));
    const known = new Set(cov.keys);
    if (runs.every((r) => r !== undefined) && [...entities.keys()].every((k) => known.has(k))) {
      const series = await scoreAll(
        d,
        d.groupBy,
        entities,
        runs as ReplayRun[],
        queryFrom,
        settled,
        req,
        deps,
        runKey,
        queryFrom > start,
        recorded,
      );
      if (series) {
        deps.cache?.setCoverage(runKey, { until: settled, keys: cov.keys });
        return respond(req, series, warnings);
      }
    }
  }

  const results = await query(start);
  // Ad-hoc queries without groupBy: every distinct label set is its own entity.
  const groupBy = d.groupBy.length
    ? d.groupBy
    : [...new Set(results.flatMap((r) => r.flatMap((s) => Object.keys(s.labels))))]
        .filter((l) => l !== '__name__')
        .sort();
  const { entities } = alignFeatures(features, groupBy, results, req.match);
  const runs = [...entities.keys()].map((k) => deps.cache?.get(`${runKey}\n${k}`) ?? null);
  const series = await scoreAll(
    d,
    groupBy,
    entities,
    runs,
    start,
    settled,
    req,
    deps,
    runKey,
    false,
    recorded,
  );
  if (!series) throw new Error('a fresh replay cannot disagree with itself');
  if (d.groupBy.length) deps.cache?.setCoverage(runKey, { until: settled, keys: [...entities.keys()] });
  return respond(req, series, warnings);
}

function respond(req: ScoreRequest, series: ScoredSeries[], warnings: string[]): ScoreResponse {
  series.sort((a, b) => (a.key < b.key ? -1 : 1));
  const out: ScoreResponse = {
    from: req.from,
    to: req.to,
    stepSeconds: req.stepSeconds,
    threshold: 1,
    series,
  };
  if (warnings.length) out.warnings = [...new Set(warnings)];
  return out;
}

/**
 * Scores every entity: its run (cached, or fresh when `runs[i]` is null or disagrees with the
 * data) advanced through the frame's settled points; points in `recorded` (the live loop's
 * scores) are answered from there. In a
 * refresh (frames queried from after the runs' start, runs for every known entity) a run that
 * disagrees with the data, or an entity without one, makes it return null: replay the full range.
 */
async function scoreAll(
  d: DetectorConfig,
  groupBy: string[],
  entities: Map<string, EntityFrame>,
  runs: (ReplayRun | null)[],
  queryFrom: number,
  settled: number,
  req: ScoreRequest,
  deps: ReplayDeps,
  runKey: string,
  refresh: boolean,
  recorded?: ReturnType<typeof recordedForReplay>,
): Promise<ScoredSeries[] | null> {
  const byKey = new Map<string, ReplayRun>();
  for (const r of runs) if (r) byKey.set(r.key, r);
  const dg = { ...d, groupBy };
  const features = Object.keys(d.queries);
  const keys = refresh ? [...byKey.keys()] : [...entities.keys()];
  const series: ScoredSeries[] = [];
  for (const key of keys) {
    const frame = entities.get(key) ?? {
      key,
      labels: byKey.get(key)?.labels ?? {},
      timestamps: [],
      rows: [],
    };
    const create = () =>
      deps.models.create(dg, req.stepSeconds, key, { attributeAbove: REPLAY_ATTRIBUTE_ABOVE });
    let run = byKey.get(key) ?? null;
    if (run && !advanceRun(run, frame, queryFrom, settled, req.to)) {
      if (refresh) return null;
      run = null;
    }
    if (!run) {
      run = newRun(key, frame.labels, create(), queryFrom);
      advanceRun(run, frame, queryFrom, settled, req.to);
    }
    deps.cache?.set(`${runKey}\n${key}`, run);
    const out: ScoredSeries = {
      detector: d.name,
      key,
      labels: run.labels,
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
      out.timestamps.push(t);
      out.scores.push(score);
      out.anomalies.push(anomaly);
      out.topFeatures.push(top);
      for (let f = 0; f < cols.length; f++) cols[f].push(row[f]);
    };
    const live = recorded?.get(key);
    for (let i = lowerBound(run.timestamps, req.from); i < run.timestamps.length; i++) {
      const t = run.timestamps[i];
      if (t > req.to) break;
      const l = live?.get(t);
      // The replay's attribution floor holds for recorded points too (the live loop attributes all).
      const top = l && l.score !== null && l.score >= REPLAY_ATTRIBUTE_ABOVE ? l.topFeature : null;
      if (l) emit(t, run.inputs[i], l.score, l.anomaly, top);
      else emit(t, run.inputs[i], run.scores[i], run.anomalies[i], run.topFeatures[i]);
    }
    if (out.timestamps.length) series.push(out);
    // Long replays of many series: let /metrics and health checks through between entities.
    await new Promise((r) => setImmediate(r));
  }
  return series;
}

function newRun(
  key: string,
  labels: Record<string, string>,
  model: ReplayRun['model'],
  start: number,
): ReplayRun {
  return {
    key,
    labels,
    model,
    until: start,
    timestamps: [],
    inputs: [],
    scores: [],
    anomalies: [],
    topFeatures: [],
  };
}

/**
 * Checks the frame (queried from `queryFrom`) against the run's points from that time on, then
 * pushes the frame's settled points the run has not consumed. False when they disagree: Prometheus
 * data can change (late samples, retention, a deleted series), and a run is only reused when
 * every point it consumed in the overlap is unchanged, so a cache hit answers what a fresh replay
 * from the same start would.
 */
function advanceRun(
  run: ReplayRun,
  frame: EntityFrame,
  queryFrom: number,
  settled: number,
  to: number,
): boolean {
  // The frame must reach back to what the run has consumed, or points in between would be skipped.
  if (queryFrom > run.until) return false;
  const offset = lowerBound(run.timestamps, queryFrom);
  const overlap = run.timestamps.length - offset;
  const n = Math.min(overlap, frame.timestamps.length);
  // A frame ending early is fine only when the run has no point before `to` that the frame lacks.
  if (n < overlap && run.timestamps[offset + n] <= to) return false;
  for (let i = 0; i < n; i++) {
    if (frame.timestamps[i] !== run.timestamps[offset + i]) return false;
    const a = frame.rows[i];
    const b = run.inputs[offset + i];
    for (let f = 0; f < a.length; f++) if (a[f] !== b[f]) return false;
  }
  for (let i = n; i < frame.timestamps.length; i++) {
    const t = frame.timestamps[i];
    if (t > settled) break;
    const p = run.model.push(t, frame.rows[i]);
    run.timestamps.push(t);
    run.inputs.push(frame.rows[i]);
    run.scores.push(p.score);
    run.anomalies.push(p.anomaly);
    run.topFeatures.push(topFeature(p.contributions));
  }
  run.until = Math.max(run.until, Math.min(settled, to));
  return true;
}

/** First index whose timestamp is not before t. */
function lowerBound(ts: readonly number[], t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
