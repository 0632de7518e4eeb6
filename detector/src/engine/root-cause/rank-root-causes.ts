import { DetectorError } from '../../errors';
import { alarmDrivers } from './alarm-drivers';
import { CallGraph } from './call-graph';
import { ExplainedCredit } from './explained-credit';
import { explain } from './explanation';
import { metricDeviation, type MetricDeviation } from './metric-deviation';
import { signalsFault } from './metric-kind';
import { RootCauseOptions, type RootCauseOptionsInput } from './options';
import type { RankedEntity, RootCauseInput } from './types';

/**
 * Ranks the entities most likely to have caused an incident that started at `input.from`.
 *
 * 1. Every metric of every entity is judged against its own history with robust scaling (BARO;
 *    metric-deviation.ts): the largest deviation of an incident point in the metric's bad direction.
 *    Traffic is demand and never counts as a fault of the entity receiving it (metric-kind.ts).
 * 2. Each deviation is discounted by the share of it that an anomalous callee explains
 *    (explanation.ts): a caller's latency is discounted when a callee got as much slower no later.
 * 3. Score = log(1 + the entity's largest unexplained deviation) + the evidence of the anomalies it
 *    explains in its callers, and theirs in turn (explained-credit.ts). `topMetric` is the metric of
 *    that largest unexplained deviation.
 *
 * Pure: no I/O, no clock; the same input gives the same ranking. An entity with data but no judged
 * metric scores its detector verdict's score × threshold when it has one, else 0; an entity that
 * appears only in the graph is not ranked (there is no evidence about it).
 */
export function rankRootCauses(input: RootCauseInput, options: RootCauseOptionsInput = {}): RankedEntity[] {
  const parsed = RootCauseOptions.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new DetectorError('INVALID_OPTIONS', `${field || '(root)'}: ${issue.message}`, { field });
  }
  const opts = parsed.data;
  const deviations = new Map<string, MetricDeviation[]>();
  for (const [entity, metrics] of input.series) {
    const list: MetricDeviation[] = [];
    for (const [metric, series] of metrics) {
      const d = metricDeviation(metric, series, input.from, opts, opts.metricKinds[metric]);
      if (d && signalsFault(d.kind)) list.push(d);
    }
    // The detector may have seen the change before this coarser threshold did: its onset stands for
    // the metrics its alarm is about (all of them when it names none). Not for the others: a
    // gateway alarmed by its own memory growth would otherwise date its error ratio from then, and a
    // callee whose errors came seconds later (a fault of its own) could no longer explain them.
    const verdict = input.detector?.get(entity);
    const onset = verdict?.onset;
    if (onset !== undefined) {
      const alarmedBy = alarmDrivers(verdict?.attributions);
      for (const d of list)
        if (d.onset !== undefined && onset < d.onset && (!alarmedBy || alarmedBy.has(d.metric)))
          d.onset = onset;
    }
    deviations.set(entity, list);
  }
  const ctx = {
    graph: new CallGraph(input.edges),
    deviations,
    threshold: opts.threshold,
    tolerance: incidentStep(input) * opts.onsetToleranceSteps,
  };
  const credit = new ExplainedCredit();
  const ranked: RankedEntity[] = [];
  for (const [entity, list] of deviations) {
    let top: RankedEntity = { entity, score: 0, topMetric: '', deviation: 0 };
    let residual = 0;
    for (const d of list) {
      const why = explain(entity, d, ctx);
      const left = d.z * (1 - why.share);
      top.deviation = Math.max(top.deviation, d.z);
      if (left > residual || (top.topMetric === '' && d.z > 0)) {
        residual = left;
        top = { ...top, topMetric: d.metric, explainedBy: why.by, onset: d.onset };
      }
      if (d.z >= opts.threshold) for (const s of why.supporters) credit.add(s.by, entity, s.share, d.z);
    }
    if (top.explainedBy === undefined) delete top.explainedBy;
    if (top.onset === undefined) delete top.onset;
    const verdict = input.detector?.get(entity);
    if (list.length === 0 && verdict) {
      // Nothing to judge from the series (e.g. a live window still filling): the detector's word stands.
      top.topMetric = topAttribution(verdict.attributions);
      residual = top.deviation = Math.max(0, (verdict.score ?? 0) * opts.threshold);
    }
    top.score = residual;
    ranked.push(top);
  }
  for (const r of ranked) r.score = Math.log1p(r.score) + credit.of(r.entity);
  // Ties (rare outside score 0): the larger raw deviation, then the name, so the output is stable.
  return ranked.sort(
    (a, b) =>
      b.score - a.score ||
      b.deviation - a.deviation ||
      (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0),
  );
}

/** The median interval between incident points of any series, ms (0 when there is none). */
function incidentStep(input: RootCauseInput): number {
  const steps: number[] = [];
  for (const metrics of input.series.values())
    for (const s of metrics.values())
      for (let i = 1; i < s.timestamps.length; i++) {
        const dt = s.timestamps[i] - s.timestamps[i - 1];
        if (dt > 0 && s.timestamps[i] >= input.from) steps.push(dt);
      }
  steps.sort((a, b) => a - b);
  return steps.length ? steps[steps.length >> 1] : 0;
}

function topAttribution(attributions: Readonly<Record<string, number>> | undefined): string {
  let best = '';
  let share = 0;
  for (const [metric, s] of Object.entries(attributions ?? {}))
    if (s > share) {
      share = s;
      best = metric;
    }
  return best;
}
