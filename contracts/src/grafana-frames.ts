import { z } from 'zod';

/**
 * How the Grafana datasource (homeostat-anomaly-datasource) labels the DataFrames it returns, and
 * how the healing panel (homeostat-healing-panel) finds them again: `frame.meta.custom.homeostat`
 * holds one of these kinds. Field names per kind are listed so both plugins agree on them.
 */
export const HomeostatFrameKind = z.enum(['scores', 'events', 'timeline', 'actions', 'incidents']);
export type HomeostatFrameKind = z.infer<typeof HomeostatFrameKind>;

export const FRAME_META_KEY = 'homeostat';

/** Field names of each frame kind (all frames also have a `time` field, Unix ms). */
export const FRAME_FIELDS = {
  scores: { time: 'time', score: 'score', anomaly: 'anomaly', topFeature: 'top_feature' },
  events: { time: 'time', timeEnd: 'timeEnd', title: 'title', service: 'service', topFeatures: 'topFeatures' },
  timeline: {
    time: 'time',
    timeEnd: 'timeEnd',
    kind: 'kind',
    status: 'status',
    title: 'title',
    incidentId: 'incidentId',
    service: 'service',
    /** JSON text of TimelineEvent.detail (reason, top features, API call). */
    detail: 'detail',
  },
  actions: { time: 'time', timeEnd: 'timeEnd', result: 'result', incidentId: 'incidentId' },
  incidents: { time: 'time', timeEnd: 'timeEnd', status: 'status', mttr: 'mttr', service: 'service' },
} as const;
