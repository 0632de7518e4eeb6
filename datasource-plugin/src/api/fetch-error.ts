import { isFetchError } from '@grafana/runtime';
import { ApiError } from '@homeostat/contracts';
import { HomeostatPluginError } from '../errors';

export type Service = 'detector' | 'remediator';

/**
 * Turns what Grafana's backendSrv threw into a coded error. The data proxy answers 502 when the
 * upstream cannot be reached; 401/403 come from the service (bad or missing token); a 404 on one of
 * our /api/v1 paths means something else (or an older Homeostat) listens there.
 */
export function toPluginError(service: Service, url: string, err: unknown): HomeostatPluginError {
  if (err instanceof HomeostatPluginError) {
    return err;
  }
  if (!isFetchError(err)) {
    const msg = err instanceof Error ? err.message : String(err);
    return new HomeostatPluginError('UNREACHABLE', `${service} unreachable: ${msg}`, undefined, undefined, err);
  }
  const status = err.status;
  const body = ApiError.safeParse(err.data);
  const detail = body.success ? `${body.data.code}: ${body.data.message}` : (err.statusText ?? '');
  if (status === 401 || status === 403) {
    return new HomeostatPluginError(
      'UNAUTHORISED',
      `${service} rejected the request (HTTP ${status}): check the ${service} token in the datasource settings`,
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
