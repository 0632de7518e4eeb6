/**
 * Input and output of the root-cause ranker. Timestamps are Unix milliseconds, like the rest of the
 * engine; values are raw metric values (any unit), `null` for a gap.
 */

/** One metric of one entity: points in time order, history and incident together. */
export interface MetricSeries {
  timestamps: readonly number[];
  values: readonly (number | null)[];
}

/** What the anomaly detector already said about an entity, when the ranker runs beside it. */
export interface DetectorVerdict {
  /**
   * Calibrated anomaly score, 1.0 = the alarm line (as `PipelinePoint.score`). Used only for an entity
   * none of whose metrics could be judged (too little history): its deviation is then score × threshold.
   */
  score?: number;
  /** When the detector's alarm opened, Unix ms. Earlier than the series' own onset wins. */
  onset?: number;
  /** Per-metric attribution shares (0..1); the largest names the metric when no series does. */
  attributions?: Readonly<Record<string, number>>;
}

export interface RootCauseInput {
  /** entity → metric name → series. Rows before `from` are the normal history. */
  series: ReadonlyMap<string, ReadonlyMap<string, MetricSeries>>;
  /** Call edges: the caller depends on the callee, so a fault in the callee can show in the caller. */
  edges: readonly { caller: string; callee: string }[];
  /** Incident start, Unix ms: the first point of the anomalous window. */
  from: number;
  /** Optional detector verdicts per entity. */
  detector?: ReadonlyMap<string, DetectorVerdict>;
}

export interface RankedEntity {
  entity: string;
  /** Higher = more likely the cause; robust deviations left unexplained by the entity's callees. */
  score: number;
  /** The metric whose unexplained deviation gave the score ('' when the entity has none). */
  topMetric: string;
  /** The entity's own largest deviation before the graph adjustment, for explanations. */
  deviation: number;
  /** The callee whose anomaly best explains this entity's, when one does. */
  explainedBy?: string;
  /** First anomalous point of the top metric, Unix ms (undefined when none crossed the threshold). */
  onset?: number;
}
