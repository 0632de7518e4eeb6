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

  events(params: { from: number; to: number; detector?: string; key?: string }) {
    return this.get('detector', '/api/v1/events', params, EventsResponse);
  }

  score(body: ScoreRequest) {
    return this.request('detector', 'POST', '/api/v1/score', {}, body, ScoreResponse);
  }

  incidents(params: RangeParams) {
    return this.get('remediator', '/api/v1/incidents', params, IncidentsResponse);
  }

  actions(params: RangeParams) {
    return this.get('remediator', '/api/v1/actions', params, ActionsResponse);
  }

  timeline(params: RangeParams) {
    return this.get('remediator', '/api/v1/timeline', params, TimelineResponse);
  }

  isConfigured(service: Service): boolean {
    return Boolean(this.configured[service]);
  }

  private get<T extends z.ZodType>(service: Service, path: string, params: Params, schema: T) {
    return this.request(service, 'GET', path, params, undefined, schema);
  }

  private async request<T extends z.ZodType>(
    service: Service,
    method: 'GET' | 'POST',
    path: string,
    params: Params,
    body: unknown,
    schema: T
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
