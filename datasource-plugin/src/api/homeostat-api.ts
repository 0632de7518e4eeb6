import { getBackendSrv } from '@grafana/runtime';
import {
  ActionsResponse,
  DetectorsResponse,
  EntitiesResponse,
  EventsResponse,
  IncidentsResponse,
  ScoreRequest,
  ScoreResponse,
  TimelineResponse,
} from '@homeostat/contracts';
import { lastValueFrom } from 'rxjs';
import { z } from 'zod';
import { HomeostatPluginError } from '../errors';
import { ROUTES } from '../types';
import { Service, toPluginError } from './fetch-error';

type Params = Record<string, string | number | undefined>;

/**
 * The detector's and remediator's REST APIs, reached through Grafana's data proxy
 * (`<datasource url>/<route>/...`) so the bearer tokens stay on Grafana's server. Every answer is
 * parsed with the contracts' schema: a shape we do not know means an incompatible version.
 */
export class HomeostatApi {
  constructor(
    private readonly proxyUrl: string,
    private readonly configured: Record<Service, string | undefined>
  ) {}

  detectors() {
    return this.get('detector', '/api/v1/detectors', {}, DetectorsResponse);
  }

  entities(detector?: string) {
    return this.get('detector', '/api/v1/entities', { detector }, EntitiesResponse);
  }

  events(params: { from: number; to: number; detector?: string; key?: string }, requestId?: string) {
    return this.get('detector', '/api/v1/events', params, EventsResponse, requestId);
  }

  score(body: ScoreRequest, requestId?: string) {
    return this.request('detector', 'POST', '/api/v1/score', {}, body, ScoreResponse, requestId);
  }

  incidents(params: RangeParams, requestId?: string) {
    return this.get('remediator', '/api/v1/incidents', params, IncidentsResponse, requestId);
  }

  actions(params: RangeParams, requestId?: string) {
    return this.get('remediator', '/api/v1/actions', params, ActionsResponse, requestId);
  }

  timeline(params: RangeParams, requestId?: string) {
    return this.get('remediator', '/api/v1/timeline', params, TimelineResponse, requestId);
  }

  isConfigured(service: Service): boolean {
    return Boolean(this.configured[service]);
  }

  private get<T extends z.ZodType>(service: Service, path: string, params: Params, schema: T, requestId?: string) {
    return this.request(service, 'GET', path, params, undefined, schema, requestId);
  }

  /**
   * `requestId`: backendSrv cancels a pending request when another with the same id starts, so a
   * panel refreshed (or its range changed) before an answer came does not wait on, nor draw, the
   * superseded one.
   */
  private async request<T extends z.ZodType>(
    service: Service,
    method: 'GET' | 'POST',
    path: string,
    params: Params,
    body: unknown,
    schema: T,
    requestId?: string
  ): Promise<z.infer<T>> {
    const upstream = this.configured[service];
    if (!upstream) {
      throw new HomeostatPluginError(
        'NOT_CONFIGURED',
        `no ${service} URL configured: set it in the datasource settings`,
        undefined,
        `jsonData.${service}Url`
      );
    }
    const query = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
    let data: unknown;
    try {
      const res = await lastValueFrom(
        getBackendSrv().fetch<unknown>({
          url: `${this.proxyUrl}/${ROUTES[service]}${path}`,
          method,
          params: query,
          data: body,
          requestId,
          showErrorAlert: false,
          showSuccessAlert: false,
        })
      );
      data = res.data;
    } catch (err) {
      throw toPluginError(service, upstream, err);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HomeostatPluginError(
        'WRONG_VERSION',
        `${service} at ${upstream} answered ${path} in an unknown shape (${issue?.path.join('.') || 'body'}: ${issue?.message}): incompatible Homeostat version?`,
        undefined,
        `jsonData.${service}Url`
      );
    }
    return parsed.data;
  }
}

export type RangeParams = { from: number; to: number; service?: string };
