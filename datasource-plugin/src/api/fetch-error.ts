import { isFetchError } from '@grafana/runtime';
import { ApiError } from '@homeostat/contracts';
import { HomeostatPluginError } from '../errors';

export type Service = 'detector' | 'remediator';

/** What Grafana's data proxy answers, in place of the upstream's 401, when a token is refused. */
export const GRAFANA_AUTH_FAILED = 'Authentication to data source failed';
/** What Grafana's data proxy answers (403) when a route's reqRole/reqAction excludes the user. */
export const GRAFANA_ROUTE_DENIED = 'plugin proxy route access denied';

function mentions(data: unknown, text: string): boolean {
  const message = typeof data === 'string' ? data : (data as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message.includes(text);
}

/**
 * Turns what Grafana's backendSrv threw into a coded error. The data proxy answers 502 when the
 * upstream cannot be reached, 400 "Authentication to data source failed" when the service refused
 * the token (Grafana rewrites the upstream's 401; a 403 passes as is), 403 "plugin proxy route access
 * denied" when plugin.json gives the user's role no route; a 404 on one of our /api/v1 paths means
 * something else (or an older Homeostat) listens there.
 */
export function toPluginError(service: Service, url: string, err: unknown): HomeostatPluginError {
  if (err instanceof HomeostatPluginError) {
    return err;
  }
  if (!isFetchError(err)) {
    const msg = err instanceof Error ? err.message : String(err);
    return new HomeostatPluginError('UNREACHABLE', `${service} unreachable: ${msg}`, undefined, undefined, err);
  }
  if (err.cancelled) {
    // backendSrv cancelled it: a newer run with the same requestId replaced it (Grafana drops this answer)
    return new HomeostatPluginError('CANCELLED', `${service} request superseded by a newer run of this query`, err.status, undefined, err);
  }
  const status = err.status;
  const body = ApiError.safeParse(err.data);
  const detail = body.success ? `${body.data.code}: ${body.data.message}` : (err.statusText ?? '');
  if (status === 403 && mentions(err.data, GRAFANA_ROUTE_DENIED)) {
    return new HomeostatPluginError(
      'ROUTE_DENIED',
      `Grafana refused this ${service} request for your role (${GRAFANA_ROUTE_DENIED}): ask a Grafana admin`,
      status,
      undefined,
      err
    );
  }
  const tokenRefused = status === 401 || status === 403 || (status === 400 && mentions(err.data, GRAFANA_AUTH_FAILED));
  if (tokenRefused) {
    const how = status === 400 ? `Grafana: "${GRAFANA_AUTH_FAILED}"` : `HTTP ${status}`;
    return new HomeostatPluginError(
      'UNAUTHORISED',
      `${service} rejected the token (${how}): check the ${service} token in the datasource settings`,
      status,
      `secureJsonData.${service}Token`,
      err
    );
  }
  if (status === 404) {
    return new HomeostatPluginError(
      'WRONG_VERSION',
      `${service} at ${url} has no Homeostat API v1 (HTTP 404): wrong URL or an incompatible version`,
      status,
      `jsonData.${service}Url`,
      err
    );
  }
  if (status === 400 || status === 422) {
    return new HomeostatPluginError(
      'BAD_QUERY',
      `${service} rejected the query: ${detail}`,
      status,
      body.success ? body.data.field : undefined,
      err
    );
  }
  if (status === 502 || status === 503 || status === 504 || status === 0 || status === undefined) {
    return new HomeostatPluginError(
      'UNREACHABLE',
      `${service} unreachable at ${url} (HTTP ${status ?? 'no response'}): is it running and reachable from Grafana's server?`,
      status,
      `jsonData.${service}Url`,
      err
    );
  }
  return new HomeostatPluginError('UPSTREAM_ERROR', `${service} failed (HTTP ${status}): ${detail}`, status, undefined, err);
}
