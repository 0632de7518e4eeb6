// The root-cause ranker: pure, shared by `homeostat-detect rca`, the evaluation and the live service.
export { rankRootCauses } from './rank-root-causes';
export { RootCauseOptions } from './options';
export type { RootCauseOptionsInput } from './options';
export { MetricKind, metricNature } from './metric-kind';
export type { MetricNature } from './metric-kind';
export type { DetectorVerdict, MetricSeries, RankedEntity, RootCauseInput } from './types';
export { causeOfMember, ownFault, OwnCauseKind } from './member-cause';
export type { MemberCauseInput, OwnFaultOptions } from './member-cause';
export { CallGraph } from './call-graph';
