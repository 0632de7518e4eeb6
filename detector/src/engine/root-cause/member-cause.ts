import { alarmDrivers } from './alarm-drivers';
import type { CallGraph } from './call-graph';
import { metricDeviation } from './metric-deviation';
import { metricNature, type MetricKind } from './metric-kind';
import type { MetricSeries } from './types';

/** Kinds a member's own fault can be of: a leak, a filling disk, a busy CPU stay where they are. */
export const OwnCauseKind = ['saturation', 'other'] as const;
export type OwnCauseKind = (typeof OwnCauseKind)[number];

/**
 * A traffic metric's smallest spread, as a share of its level: with the threshold of 3, its load
 * must move by 30 % to count. A steady 10 s rate takes two or three values (spread near 0), and in
 * a chaos campaign a neighbour's fault shifted the scrape's phase (38.9 -> 41.7 rps), which read
 * 3.7-6 spreads; retries that double the load read about 10.
 */
export const TRAFFIC_SPREAD_FLOOR = 0.1;

export interface OwnFaultOptions {
  ownCauseKinds: readonly OwnCauseKind[];
  /** Robust deviations at which a metric counts as moved (the ranker's threshold). */
  threshold: number;
  /** History points a metric needs before it is judged. */
  minHistory: number;
  /** Metric name → kind, where the name rules classify it wrongly. */
  metricKinds?: Readonly<Record<string, MetricKind>>;
  /**
   * Metric name → the smallest spread its rise is measured in, in its unit: the detector's noise
   * floor for it (the pipeline's `robustZAbsoluteFloor`). Only for the own-cause metric: a floor on
   * traffic would let a callee whose load doubled pass for steady.
   */
  spreadFloors?: Readonly<Record<string, number>>;
}

/**
 * The metric of a fault the member has on its own, judged on its own series (`seriesOf`: history
 * before the incident's start `from`), or null. All of these must hold:
 * - its detector alarm is about the metric (`attributions`, recorded at its onset);
 * - the metric is of an own-cause kind (saturation by default) and **rose** past the threshold,
 *   measured in at least its spread floor (`spreadFloors`): a CPU that fell when the gateway
 *   stopped calling is no fault, whatever kind override says, and neither is a memory growth the
 *   detector's scoring calls noise;
 * - it has a traffic metric that could be judged, and none moved past the threshold either way,
 *   with a spread of at least a tenth of its level (`TRAFFIC_SPREAD_FLOOR`): a callee whose CPU rose
 *   with its callers' retries, or whose load dropped when the gateway failed, is their symptom.
 *   Without a traffic metric that cannot be told, so nothing counts as its own fault.
 */
export function ownFault(
  seriesOf: () => ReadonlyMap<string, MetricSeries>,
  from: number,
  attributions: Readonly<Record<string, number>> | undefined,
  o: OwnFaultOptions,
): string | null {
  const kindOf = (m: string) => o.metricKinds?.[m] ?? metricNature(m).kind;
  const own = o.ownCauseKinds as readonly string[];
  const drivers = [...(alarmDrivers(attributions) ?? [])].filter((m) => own.includes(kindOf(m)));
  if (drivers.length === 0) return null;
  // built only for a member whose alarm is about an own-cause metric: most members' is not
  const series = seriesOf();
  let trafficJudged = false;
  for (const [metric, s] of series) {
    if (kindOf(metric) !== 'traffic') continue;
    const d = metricDeviation(
      metric,
      s,
      from,
      { ...o, relativeSpreadFloor: TRAFFIC_SPREAD_FLOOR },
      'traffic',
      0,
    );
    if (!d) continue;
    if (d.z >= o.threshold) return null;
    trafficJudged = true;
  }
  if (!trafficJudged) return null;
  for (const metric of drivers) {
    const s = series.get(metric);
    if (!s) continue;
    // only a rise counts, whatever the name or an override would make the bad direction
    // judged in the detector's noise floor for it: a growth that sits at 0 has no spread of its own
    const d = metricDeviation(
      metric,
      s,
      from,
      { ...o, absoluteSpreadFloor: o.spreadFloors?.[metric] },
      undefined,
      1,
    );
    if (d && d.z >= o.threshold) return metric;
  }
  return null;
}

export interface MemberCauseInput {
  /** The member's node name in the call graph. */
  member: string;
  /** The node name of the incident's rank-1 entity. */
  cause: string;
  /**
   * The node names of the incident's other anomalous entities: its members (above the alarm line)
   * and the entities the ranker found past its threshold, which may not have alarmed yet.
   */
  others: readonly string[];
  /** The call graph between node names as known now (declared and learned). */
  graph: CallGraph;
  /** Whether the member has a fault of its own (`ownFault` found one). */
  ownFault: boolean;
}

/**
 * The node an incident member's alert names as its cause: the incident's rank-1 entity, unless the
 * member has a fault of its own (`ownFault`) that no other member can have caused. The graph must
 * know both the member and the rank-1 entity (without it, a caller whose connection pool filled
 * because a callee got slow cannot be told from a fault of its own), and the member must not call,
 * directly or through others, the rank-1 entity or any other member of the incident (a slow or failing callee fills its
 * callers' pools, queues and memory; saturation is never discounted by the ranker). Callers of the
 * member are covered by `ownFault`'s traffic check.
 * Why: in a chaos campaign a memory leak on inventory began while orders had a CPU spike; one
 * incident, orders ranked first, and the leak's alert was skipped as orders' symptom, though
 * inventory calls nothing. Making every member that calls no ranked entity its own cause was tried
 * and reverted: in a star, the backends a failing gateway stops calling would each act.
 */
export function causeOfMember(input: MemberCauseInput): string {
  if (!input.ownFault || input.member === input.cause) return input.cause;
  const { graph } = input;
  if (!graph.has(input.member) || !graph.has(input.cause)) return input.cause;
  for (const other of [input.cause, ...input.others])
    if (other !== input.member && graph.calls(input.member, other)) return input.cause;
  return input.member;
}
