import type { ScoreRequest, ScoreResponse, ScoredSeries } from '@homeostat/contracts';
import { DetectorError } from '../errors';
import type { DetectorConfig } from './config';
import { alignFeatures } from './feature-frame';
import type { ModelFactory } from './model-factory';
import type { PrometheusClient } from './prometheus-client';

/** A replay is refused beyond this many points per series (about 24 h at 1 s, 115 days at 15 s). */
export const MAX_REPLAY_POINTS = 100_000;

export interface ReplayDeps {
  detectors: readonly DetectorConfig[];
  client: PrometheusClient;
  models: ModelFactory;
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
  const features = Object.keys(d.queries);
  let results;
  try {
    results = await Promise.all(
      features.map((f) => deps.client.queryRange(d.queries[f], first - windowMs, req.to, req.stepSeconds)),
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

  const series: ScoredSeries[] = [];
  for (const frame of entities.values()) {
    const model = deps.models.create({ ...d, groupBy }, req.stepSeconds, frame.key);
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
    for (let i = 0; i < frame.timestamps.length; i++) {
      const t = frame.timestamps[i];
      const p = model.push(t, frame.rows[i]);
      if (t < req.from) continue;
      out.timestamps.push(t);
      out.scores.push(p.score);
      out.anomalies.push(p.anomaly);
      let topFeature: string | null = null;
      let best = 0;
      for (const c of p.contributions)
        if (c.contribution > best) [best, topFeature] = [c.contribution, c.feature];
      out.topFeatures.push(topFeature);
      frame.rows[i].forEach((v, f) => cols[f].push(v));
    }
    if (out.timestamps.length) series.push(out);
    // Long replays of many series: let /metrics and health checks through between entities.
    await new Promise((r) => setImmediate(r));
  }
  series.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { from: req.from, to: req.to, stepSeconds: req.stepSeconds, threshold: 1, series };
}
