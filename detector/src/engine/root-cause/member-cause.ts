import { alarmDrivers } from './alarm-drivers';
import { CallGraph } from './call-graph';
import { metricNature, type MetricKind } from './metric-kind';
import type { RankedEntity } from './types';

export interface MemberCauseInput {
  /** The incident member whose alert needs a cause. */
  member: string;
  /** The incident's ranking, most likely cause first (rankRootCauses' output, all entities). */
  ranked: readonly RankedEntity[];
  /** The call edges the ranking used. */
  edges: readonly { caller: string; callee: string }[];
  /** The member's detector attributions (metric → share), which say what its alarm is about. */
  attributions?: Readonly<Record<string, number>>;
}

export interface MemberCauseOptions {
  /** Kinds of metric whose anomaly is the member's own fault when it does not call the cause. */
  ownCauseKinds: readonly MetricKind[];
  /** Metric name → kind, where the name rules classify it wrongly. */
  metricKinds?: Readonly<Record<string, MetricKind>>;
}

/**
 * The entity an incident member's alert names as its cause: the incident's rank-1 entity, unless
 * the member has a fault of its own that the rank-1 entity cannot have caused. A member is a symptom
 * of the rank-1 entity when it calls it, directly or through others (latency and errors travel
 * upstream), or when what alarms it is not a fault of its kind (a callee that lost its traffic when
 * the gateway failed is the gateway's symptom, whichever way the graph points). It is its own cause
 * only when all three hold: it does not call the rank-1 entity; its detector alarm is about a metric
 * of an own-cause kind (saturation by default: a memory leak, a filling disk or a busy CPU stays
 * where it is, and a sibling's fault does not raise it); and the ranker also finds that metric past
 * its threshold in its bad direction (a CPU that fell when traffic stopped does not count).
 * Why: in a chaos campaign a memory leak on inventory began while orders had a CPU spike; one
 * incident, orders ranked first, and the leak's alert was skipped as orders' symptom, though
 * inventory never calls orders. Making every member that calls no ranked entity its own cause was
 * tried and reverted: in a star, the backends a failing gateway stops calling would each act.
 */
export function causeOfMember(input: MemberCauseInput, options: MemberCauseOptions): string | undefined {
  const top = input.ranked[0];
  if (!top || top.entity === input.member) return top?.entity;
  if (new CallGraph(input.edges).calls(input.member, top.entity)) return top.entity;
  const own = input.ranked.find((r) => r.entity === input.member);
  if (!own || own.onset === undefined || own.topMetric === '') return top.entity;
  const kind = options.metricKinds?.[own.topMetric] ?? metricNature(own.topMetric).kind;
  if (!options.ownCauseKinds.includes(kind)) return top.entity;
  const drivers = alarmDrivers(input.attributions);
  return drivers?.has(own.topMetric) ? input.member : top.entity;
}
