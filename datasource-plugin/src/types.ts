import { DataQuery, DataSourceJsonData } from '@grafana/data';

/** What a query asks for. Scores come from the detector; the rest from the detector's or the remediator's audit. */
export const QUERY_TYPES = ['scores', 'events', 'timeline', 'actions', 'incidents'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

/** Where a score query's series come from: a detector configured in the service, or ad-hoc PromQL. */
export const SCORE_SOURCES = ['detector', 'promql'] as const;
export type ScoreSource = (typeof SCORE_SOURCES)[number];

export interface HomeostatQuery extends DataQuery {
  queryType?: QueryType;
  scoreSource?: ScoreSource;
  /** Configured detector name (scores from `detector`, events). Template variables allowed. */
  detector?: string;
  /** PromQL scored as a one-feature detector over the panel's range (the detector's causal replay). */
  expr?: string;
  /** Labels the PromQL result is grouped by, comma-separated (default: every label of the result). */
  groupBy?: string;
  /** Entity key (`service="orders"`) or label filter; narrows scores and events. */
  entity?: string;
  /** Service label; narrows the remediator's incidents, actions and timeline. */
  service?: string;
}

export const DEFAULT_QUERY: Partial<HomeostatQuery> = {
  queryType: 'scores',
  scoreSource: 'detector',
};

/** Non-secret settings, stored in the datasource's jsonData and readable by the browser. */
export interface HomeostatOptions extends DataSourceJsonData {
  /** Base URL of the detector as Grafana's server reaches it, e.g. http://detector:8090. */
  detectorUrl?: string;
  /** Base URL of the remediator as Grafana's server reaches it, e.g. http://remediator:8091. */
  remediatorUrl?: string;
}

/**
 * Bearer tokens, stored encrypted by Grafana and never sent over HTTP to the frontend: the data
 * proxy adds them to upstream requests (plugin.json routes).
 */
export interface HomeostatSecureJsonData {
  detectorToken?: string;
  remediatorToken?: string;
}

/** The data proxy route prefixes declared in plugin.json. */
export const ROUTES = { detector: 'detector', remediator: 'remediator' } as const;
