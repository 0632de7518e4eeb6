import {
  AdHocVariableFilter,
  DataFrame,
  DataQueryError,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  DataSourceInstanceSettings,
  MetricFindValue,
  ScopedVars,
  TestDataSourceResponse,
} from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { HomeostatApi } from './api/homeostat-api';
import { HomeostatPluginError } from './errors';
import { supersedingKey, toQueryError } from './query-errors';
import { actionsFrame, anomalyEventsFrame, incidentsFrame, timelineFrame } from './frames/event-frames';
import { scoreFrames } from './frames/score-frames';
import { DEFAULT_QUERY, HomeostatOptions, HomeostatQuery } from './types';
import { adhocLabels } from './adhoc-filters';
import { commonLabels, eachOf, listOf, matches, narrowServices, withLabels } from './template-filters';
import { parseEntityKey, parseVariableQuery } from './variable-query';

/** What every query of one run shares: the range, the panel's step, the ad-hoc filters as labels. */
interface QueryRun {
  from: number;
  to: number;
  stepSeconds: number;
  adhoc: Record<string, string>;
}

/** Never ask the detector for more points than this per entity, whatever the panel's width. */
const MAX_POINTS = 11_000;

export class DataSource extends DataSourceApi<HomeostatQuery, HomeostatOptions> {
  readonly api: HomeostatApi;
  /** Detector name -> its scoring interval (s), read once from GET /api/v1/detectors. */
  private intervals: Promise<Map<string, number>> | null = null;

  constructor(instanceSettings: DataSourceInstanceSettings<HomeostatOptions>) {
    super(instanceSettings);
    this.api = new HomeostatApi(instanceSettings.url ?? '', {
      detector: instanceSettings.jsonData.detectorUrl,
      remediator: instanceSettings.jsonData.remediatorUrl,
    });
    // Annotations reuse query(): event, action and timeline frames carry time/timeEnd/title/text/tags.
    this.annotations = {};
  }

  override getDefaultQuery(): Partial<HomeostatQuery> {
    return DEFAULT_QUERY;
  }

  override filterQuery(query: HomeostatQuery): boolean {
    if (query.hide) {
      return false;
    }
    if ((query.queryType ?? 'scores') === 'scores') {
      return query.scoreSource === 'promql' ? Boolean(query.expr?.trim()) : Boolean(query.detector?.trim());
    }
    return true;
  }

  /**
   * Runs every query on its own: one that fails (the remediator down, a bad expression) reports its
   * error on its refId while the others still draw, as Grafana shows per-query errors.
   */
  async query(request: DataQueryRequest<HomeostatQuery>): Promise<DataQueryResponse> {
    const from = request.range.from.valueOf();
    const to = request.range.to.valueOf();
    const stepSeconds = this.stepSeconds(request, from, to);
    const targets = request.targets
      .map((t) => ({ ...DEFAULT_QUERY, ...t }))
      .filter((t) => this.filterQuery(t));
    const { labels: adhoc } = adhocLabels(request.filters);
    const settled = await Promise.allSettled(
      targets.map((t) =>
        this.runQuery(t, request.scopedVars, { from, to, stepSeconds, adhoc }, supersedingKey(request, t.refId))
      )
    );
    const data: DataFrame[] = [];
    const errors: DataQueryError[] = [];
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        data.push(...r.value);
      } else {
        errors.push(toQueryError(r.reason, targets[i].refId));
      }
    });
    return errors.length ? { data, errors } : { data };
  }

  private async runQuery(q: HomeostatQuery, scopedVars: ScopedVars, run: QueryRun, requestId: string): Promise<DataFrame[]> {
    const { from, to, stepSeconds, adhoc } = run;
    const tpl = (s?: string) => (s ? getTemplateSrv().replace(s, scopedVars) : undefined);
    // Multi-value variables: one request per selected value; "All": no filter. Ad-hoc filters narrow
    // the detector's entities by any label, the remediator's records by service.
    const entities = listOf(q.entity, scopedVars);
    const services = narrowServices(listOf(q.service, scopedVars), adhoc.service);
    switch (q.queryType) {
      case 'events': {
        const detector = tpl(q.detector) || undefined;
        const events = await eachOf(entities, requestId, async (key, id) => (await this.api.events({ from, to, detector, key }, id)).events);
        return [anomalyEventsFrame(events.filter((e) => matches(e.labels, adhoc)), q.refId)];
      }
      case 'incidents':
        return [incidentsFrame(await eachOf(services, requestId, async (service, id) => (await this.api.incidents({ from, to, service }, id)).incidents), q.refId)];
      case 'actions':
        return [actionsFrame(await eachOf(services, requestId, async (service, id) => (await this.api.actions({ from, to, service }, id)).actions), q.refId)];
      case 'timeline': {
        const events = await eachOf(services, requestId, async (service, id) => (await this.api.timeline({ from, to, service }, id)).events);
        return [timelineFrame(events.sort((a, b) => a.time - b.time), q.refId)];
      }
      default: {
        const wanted = entities
          .map((e) => withLabels(e ? parseEntityKey(e) : {}, adhoc))
          .filter((w): w is Record<string, string> => w !== undefined);
        if (!wanted.length) {
          return []; // the entity field and an ad-hoc filter ask for different values of one label
        }
        const match = commonLabels(wanted);
        const source =
          q.scoreSource === 'promql'
            ? {
                query: tpl(q.expr) ?? '',
                groupBy: q.groupBy
                  ?.split(',')
                  .map((s) => s.trim())
                  .filter(Boolean),
              }
            : { detector: tpl(q.detector) ?? '' };
        const step =
          q.scoreSource === 'promql' ? stepSeconds : await this.detectorStep(tpl(q.detector) ?? '', from, to, stepSeconds);
        const res = await this.api.score({ ...source, from, to, stepSeconds: step, match }, requestId);
        // several selected entities: the detector matched what they share, keep the ones selected
        const series = wanted.length > 1 ? res.series.filter((x) => wanted.some((w) => matches(x.labels, w))) : res.series;
        return scoreFrames({ ...res, series }, q.refId);
      }
    }
  }

  /**
   * A configured detector is replayed at its own interval, the grid its live scores (and alerts) are
   * computed on, whatever the panel's interval: Grafana downsamples the frame for drawing. Only a
   * range longer than MAX_POINTS intervals takes a whole multiple of it. When the detector does not
   * say (unknown name, older detector), the panel's step.
   */
  private async detectorStep(name: string, from: number, to: number, panelStep: number): Promise<number> {
    if (!this.intervals) {
      this.intervals = this.api.detectors().then(
        (r) => new Map(r.detectors.map((d) => [d.name, d.intervalSeconds])),
        () => new Map<string, number>()
      );
    }
    const interval = (await this.intervals).get(name);
    if (interval === undefined) {
      this.intervals = null; // ask again next time: the detector may have been down or reconfigured
      return panelStep;
    }
    const need = (to - from) / 1000 / MAX_POINTS;
    return interval * Math.max(1, Math.ceil(need / interval));
  }

  /** The panel's interval, bounded so a long range never asks for more than MAX_POINTS per entity. */
  private stepSeconds(request: DataQueryRequest<HomeostatQuery>, from: number, to: number): number {
    const interval = Math.max(1, Math.round((request.intervalMs ?? 15_000) / 1000));
    return Math.max(interval, Math.ceil((to - from) / 1000 / MAX_POINTS));
  }

  /** Ad-hoc filter keys: the labels the detectors group entities by. */
  override async getTagKeys(): Promise<MetricFindValue[]> {
    const { detectors } = await this.api.detectors();
    return [...new Set(detectors.flatMap((d) => d.groupBy))].sort().map((k) => ({ text: k }));
  }

  /** Ad-hoc filter values: that label's values among the entities the other filters leave. */
  override async getTagValues(options: { key: string; filters?: AdHocVariableFilter[] }): Promise<MetricFindValue[]> {
    const { labels } = adhocLabels(options.filters?.filter((f) => f.key !== options.key));
    const { entities } = await this.api.entities();
    const values = entities.filter((e) => matches(e.labels, labels)).map((e) => e.labels[options.key]);
    return [...new Set(values.filter((v): v is string => Boolean(v)))].sort().map((v) => ({ text: v }));
  }

  /** Template variables: see variable-query.ts for the syntax. */
  override async metricFindQuery(query: string, options?: { scopedVars?: ScopedVars }): Promise<MetricFindValue[]> {
    const parsed = parseVariableQuery(getTemplateSrv().replace(query, options?.scopedVars));
    if (parsed.kind === 'detectors') {
      return (await this.api.detectors()).detectors.map((d) => ({ text: d.name, value: d.name }));
    }
    const { entities } = await this.api.entities(parsed.detector);
    if (!parsed.label) {
      return entities.map((e) => ({ text: e.key, value: e.key }));
    }
    const label = parsed.label;
    const values = [...new Set(entities.map((e) => e.labels[label]).filter((v): v is string => Boolean(v)))].sort();
    return values.map((v) => ({ text: v, value: v }));
  }

  /**
   * Checks both services through the data proxy and says which one is wrong and how: unreachable,
   * token rejected, or not a Homeostat API this plugin understands.
   */
  async testDatasource(): Promise<TestDataSourceResponse> {
    const parts: string[] = [];
    try {
      if (!this.api.isConfigured('detector') && !this.api.isConfigured('remediator')) {
        throw new HomeostatPluginError('NOT_CONFIGURED', 'set the detector URL, the remediator URL or both');
      }
      if (this.api.isConfigured('detector')) {
        const { detectors } = await this.api.detectors();
        parts.push(`detector OK (${detectors.length} detector${detectors.length === 1 ? '' : 's'}: ${detectors.map((d) => d.name).join(', ') || 'none'})`);
      }
      if (this.api.isConfigured('remediator')) {
        const now = Date.now();
        const { incidents } = await this.api.incidents({ from: now - 24 * 3600_000, to: now });
        parts.push(`remediator OK (${incidents.length} incident${incidents.length === 1 ? '' : 's'} in the last 24 h)`);
      }
      return { status: 'success', message: parts.join('; ') };
    } catch (err) {
      const e = err instanceof HomeostatPluginError ? err : new HomeostatPluginError('UPSTREAM_ERROR', String(err));
      return {
        status: 'error',
        message: [...parts, e.message].join('; '),
        details: { message: `${e.code}${e.field ? ` (${e.field})` : ''}` },
      };
    }
  }
}
