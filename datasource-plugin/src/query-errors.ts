import { DataQueryError, DataQueryRequest } from '@grafana/data';
import { HomeostatPluginError } from './errors';

/**
 * The backendSrv `requestId` of one query: the same for every run of that query in that panel (or
 * Explore pane), so a run that starts before the last one answered cancels it, as Grafana's own
 * datasources do. Request ids change on every run, panel ids do not.
 */
export function supersedingKey(request: Pick<DataQueryRequest, 'requestId' | 'panelId' | 'dashboardUID'>, refId: string) {
  const panel = request.panelId !== undefined ? `${request.dashboardUID ?? ''}-${request.panelId}` : request.requestId;
  return `homeostat-${panel}-${refId}`;
}

/** One failed query as Grafana shows it on its panel: the message names the fix, the refId the query. */
export function toQueryError(reason: unknown, refId: string): DataQueryError {
  if (reason instanceof HomeostatPluginError) {
    return { refId, message: reason.message, status: reason.statusCode };
  }
  return { refId, message: reason instanceof Error ? reason.message : String(reason) };
}
