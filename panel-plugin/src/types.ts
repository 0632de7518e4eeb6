/** Panel options; paths mirror the keys, defaults live in options.ts. */
export interface HealingOptions {
  /** Numeric field drawn under the bands (a detector feature such as `latency_p95`); empty: the first one. */
  metric: string;
  showScore: boolean;
  showBands: boolean;
  showTimeline: boolean;
  showHealth: boolean;
  /** Score at or above which a point counts as anomalous; the detector calibrates 1.0. */
  threshold: number;
  bandColor: string;
}

/** Lanes of the healing timeline, top to bottom, in the order an incident unfolds. */
export const LANE_KINDS = ['anomaly', 'alert', 'action', 'verification', 'rollback'] as const;
export type LaneKind = (typeof LANE_KINDS)[number];
