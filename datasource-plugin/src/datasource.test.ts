import { DataQueryRequest, DataSourceInstanceSettings, FieldType, dateTime } from '@grafana/data';
import { BackendSrv, BackendSrvRequest, FetchError, setBackendSrv, setTemplateSrv, TemplateSrv } from '@grafana/runtime';
import type { ScoreResponse } from '@homeostat/contracts';
import { Observable, of, throwError } from 'rxjs';
import { DataSource } from './datasource';
import { HomeostatOptions, HomeostatQuery } from './types';

const from = 1_700_000_000_000;
const to = from + 600_000;

const scoreResponse: ScoreResponse = {
  from,
  to,
  stepSeconds: 15,
  threshold: 1,
  series: [
    {
      detector: 'services',
      key: 'service="orders"',
      labels: { service: 'orders' },
      timestamps: [from, from + 15_000, from + 30_000],
      scores: [null, 0.4, 1.8],
      anomalies: [false, false, true],
      topFeatures: [null, 'cpu', 'cpu'],
      features: { cpu: [0.1, 0.1, 0.9], latency_p95: [0.02, 0.02, 0.3] },
    },
  ],
};

type Handler = (req: BackendSrvRequest) => Observable<unknown>;

function install(handler: Handler) {
  const seen: BackendSrvRequest[] = [];
  setBackendSrv({
    fetch: (req: BackendSrvRequest) => {
      seen.push(req);
      return handler(req);
    },
  } as unknown as BackendSrv);
  return seen;
}

function ok(data: unknown) {
  return of({ data, status: 200, ok: true });
}

function fail(status: number, data: unknown = {}) {
  const err: FetchError = { status, data, config: { url: '' }, statusText: 'x' };
  return throwError(() => err);
}

function makeDs(jsonData: HomeostatOptions = { detectorUrl: 'http://det:8090', remediatorUrl: 'http://rem:8091' }) {
  const settings = {
    id: 1,
    uid: 'homeostat',
    name: 'Homeostat',
    type: 'homeostat-anomaly-datasource',
    url: '/api/datasources/proxy/uid/homeostat',
    jsonData,
    meta: {},
    access: 'proxy',
    readOnly: false,
  } as unknown as DataSourceInstanceSettings<HomeostatOptions>;
  return new DataSource(settings);
}

function request(targets: HomeostatQuery[]): DataQueryRequest<HomeostatQuery> {
  return {
    targets,
    range: { from: dateTime(from), to: dateTime(to), raw: { from: 'now-10m', to: 'now' } },
    intervalMs: 15_000,
    scopedVars: { service: { text: 'orders', value: 'orders' } },
  } as unknown as DataQueryRequest<HomeostatQuery>;
}

beforeAll(() => {
  setTemplateSrv({
    replace: (s: string) => s.replace('$service', 'orders'),
  } as unknown as TemplateSrv);
});

const detectorInfo = (name: string, intervalSeconds: number) => ({
  name,
  queries: { cpu: 'x' },
  groupBy: ['service'],
  intervalSeconds,
  trainingWindowSeconds: 3600,
  refitIntervalSeconds: 900,
  sensitivity: 1,
  liveSince: null,
});

/** The detector API: its configured detectors, and the replay. */
const detectorApi = (intervalSeconds: number) => (req: BackendSrvRequest) =>
  req.url?.endsWith('/api/v1/detectors')
    ? ok({ detectors: [detectorInfo('services', intervalSeconds)] })
    : ok(scoreResponse);

const scoreCalls = (seen: BackendSrvRequest[]) => seen.filter((r) => r.url?.endsWith('/api/v1/score'));

describe('query', () => {
  it('replays a configured detector over the panel range through the detector route', async () => {
    const seen = install(detectorApi(15));
    const res = await makeDs().query(
      request([{ refId: 'A', queryType: 'scores', detector: 'services', entity: 'service="$service"' }])
    );
    const [call] = scoreCalls(seen);
    expect(call.url).toBe('/api/datasources/proxy/uid/homeostat/detector/api/v1/score');
    expect(call.method).toBe('POST');
    expect(call.data).toEqual({ detector: 'services', from, to, stepSeconds: 15, match: { service: 'orders' } });
    const frame = res.data[0];
    const score = frame.fields.find((f: { name: string }) => f.name === 'score');
    expect(score.values).toEqual([null, 0.4, 1.8]);
    expect(score.config.thresholds.steps[1].value).toBe(1);
    expect(frame.fields.find((f: { name: string }) => f.name === 'latency_p95').config.unit).toBe('s');
    expect(frame.fields[0].type).toBe(FieldType.time);
    expect(frame.meta.custom.homeostat).toBe('scores');
    expect(frame.meta.preferredVisualisationType).toBeUndefined();
  });

  it.each([
    // the live grid, whatever the panel's interval: the panel shows the scores that alert
    ['a 10 min range at a 60 s panel interval', 5, from, to, 60_000, 5],
    ['a 24 h range (17,280 points at 5 s): a whole multiple of the interval', 5, from, from + 86_400_000, 60_000, 10],
    ['a detector the API does not list: the panel interval', 0, from, to, 60_000, 60],
  ])('replays a detector at its own interval: %s', async (_what, interval, f, t, intervalMs, expected) => {
    const seen = install(interval ? detectorApi(interval) : (req) => (req.url?.endsWith('/detectors') ? ok({ detectors: [] }) : ok(scoreResponse)));
    const ds = makeDs();
    const req = { ...request([{ refId: 'A', queryType: 'scores', detector: 'services' }]), intervalMs };
    req.range = { from: dateTime(f), to: dateTime(t), raw: { from: 'now-24h', to: 'now' } } as typeof req.range;
    await ds.query(req);
    expect(scoreCalls(seen)[0].data).toMatchObject({ detector: 'services', stepSeconds: expected });
    // the interval is asked once per data source, not on every refresh
    await ds.query(req);
    expect(seen.filter((r) => r.url?.endsWith('/api/v1/detectors'))).toHaveLength(interval ? 1 : 2);
  });

  it('scores ad-hoc PromQL as a one-feature detector', async () => {
    const seen = install(() => ok(scoreResponse));
    await makeDs().query(
      request([{ refId: 'A', queryType: 'scores', scoreSource: 'promql', expr: 'up', groupBy: 'service, job' }])
    );
    expect(seen[0].data).toMatchObject({ query: 'up', groupBy: ['service', 'job'] });
  });

  it('skips score queries without a detector or expression instead of sending a bad request', async () => {
    const seen = install(() => ok(scoreResponse));
    const res = await makeDs().query(request([{ refId: 'A', queryType: 'scores' }]));
    expect(seen).toHaveLength(0);
    expect(res.data).toHaveLength(0);
  });

  it('reads the healing timeline from the remediator route with the service filter', async () => {
    const seen = install(() =>
      ok({
        events: [
          {
            time: from + 1000,
            endTime: null,
            kind: 'action',
            status: 'succeeded',
            incidentId: 'i1',
            labels: { service: 'orders' },
            title: 'scale_out orders',
            detail: { reason: 'rule cpu-high step 0' },
          },
        ],
      })
    );
    const res = await makeDs().query(request([{ refId: 'B', queryType: 'timeline', service: '$service' }]));
    expect(seen[0].url).toBe('/api/datasources/proxy/uid/homeostat/remediator/api/v1/timeline');
    expect(seen[0].params).toEqual({ from, to, service: 'orders' });
    const detail = res.data[0].fields.find((f: { name: string }) => f.name === 'detail');
    expect(JSON.parse(detail.values[0]).reason).toBe('rule cpu-high step 0');
    // a record, not a series: Explore shows it as a table
    expect(res.data[0].meta.preferredVisualisationType).toBe('table');
  });

  it('passes a give-back (scale_back) through as its own timeline row, with its target and replica counts', async () => {
    const back = {
      actuator: 'process',
      target: { actuator: 'process', kind: 'process-group', name: 'orders' },
      replica: '9101',
      incidentId: 'i1',
      heldSeconds: 600,
      replicas: { before: 2, after: 1 },
    };
    install(() =>
      ok({
        events: [
          {
            time: from + 9000,
            endTime: null,
            kind: 'scale_back',
            status: 'succeeded',
            incidentId: 'i1',
            labels: { service: 'orders' },
            title: 'scale_back orders 2 -> 1',
            detail: back,
          },
        ],
      })
    );
    const res = await makeDs().query(request([{ refId: 'B', queryType: 'timeline' }]));
    expect(res.errors ?? []).toEqual([]);
    const column = (name: string) => res.data[0].fields.find((f: { name: string }) => f.name === name).values[0];
    expect(column('kind')).toBe('scale_back');
    expect(column('incidentId')).toBe('i1');
    expect(column('service')).toBe('orders');
    expect(JSON.parse(column('detail'))).toEqual(back);
    // as an annotation it is tagged by its kind
    expect(column('tags')).toEqual(['healing', 'scale_back', 'succeeded']);
  });

  it('says the version is wrong when an answer does not match the contract', async () => {
    install(() => ok({ something: 'else' }));
    const res = await makeDs().query(request([{ refId: 'A', queryType: 'events' }]));
    expect(res.errors).toEqual([expect.objectContaining({ refId: 'A', message: expect.stringMatching(/incompatible Homeostat version/) })]);
  });

  it('keeps the scores when the remediator is down: the failed query carries its own error', async () => {
    install((req) => (req.url?.includes('/remediator/') ? fail(502) : detectorApi(15)(req)));
    const res = await makeDs().query(
      request([
        { refId: 'A', queryType: 'scores', detector: 'services' },
        { refId: 'B', queryType: 'timeline', service: 'orders' },
      ])
    );
    expect(res.data.map((f: { refId: string }) => f.refId)).toEqual(['A']);
    expect(res.errors).toEqual([
      expect.objectContaining({ refId: 'B', status: 502, message: expect.stringMatching(/remediator unreachable/) }),
    ]);
  });

  it('gives each query a requestId that a later run of the same panel query reuses, so the superseded one is cancelled', async () => {
    const seen = install(detectorApi(15));
    const ds = makeDs();
    const run = (requestId: string) =>
      ds.query({
        ...request([
          { refId: 'A', queryType: 'scores', detector: 'services' },
          { refId: 'B', queryType: 'events' },
        ]),
        requestId,
        panelId: 4,
        dashboardUID: 'd1',
      });
    await run('Q1');
    await run('Q2');
    const ids = seen.filter((r) => !r.url?.endsWith('/detectors')).map((r) => r.requestId);
    expect(ids).toHaveLength(4);
    expect(ids[0]).toBe(ids[2]);
    expect(ids[1]).toBe(ids[3]);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe('multi-value and "All" variables', () => {
  // Grafana's templateSrv hands a format function each variable's value (an array for several
  // selections; every option for "All") and the variable, whose current value says "$__all".
  const vars: Record<string, { value: string[]; current: { value: string[] } }> = {};
  const use = (name: string, selected: string[], options: string[]) => {
    vars[name] = {
      value: selected.includes('$__all') ? options : selected,
      current: { value: selected },
    };
  };
  beforeEach(() => {
    setTemplateSrv({
      replace: (s: string, _scoped: unknown, format?: (v: unknown, variable: unknown) => string) =>
        s.replace(/\$(\w+)/g, (m, name) => {
          const v = vars[name];
          if (!v) {
            return m;
          }
          return format ? format(v.value, v) : `{${v.value.join(',')}}`;
        }),
    } as unknown as TemplateSrv);
  });
  afterAll(() => {
    setTemplateSrv({ replace: (s: string) => s.replace('$service', 'orders') } as unknown as TemplateSrv);
  });

  const timelineOf = (service: string, time: number) => ({
    time,
    endTime: null,
    kind: 'action',
    status: 'succeeded',
    incidentId: `i-${service}`,
    labels: { service },
    title: `restart ${service}`,
    detail: {},
  });

  it('asks the remediator once per selected service and merges the answers in time order', async () => {
    use('service', ['orders', 'payments'], ['orders', 'payments', 'cart']);
    const seen = install((req) =>
      ok({ events: [timelineOf(String(req.params?.service), req.params?.service === 'orders' ? from + 2000 : from + 1000)] })
    );
    const res = await makeDs().query(request([{ refId: 'B', queryType: 'timeline', service: '$service' }]));
    expect(seen.map((r) => r.params?.service)).toEqual(['orders', 'payments']);
    // one run's requests must not cancel each other
    expect(new Set(seen.map((r) => r.requestId)).size).toBe(2);
    const title = res.data[0].fields.find((f: { name: string }) => f.name === 'title');
    expect(title.values).toEqual(['restart payments', 'restart orders']);
  });

  it('"All" means no filter, not a list of every service', async () => {
    use('service', ['$__all'], ['orders', 'payments', 'cart']);
    const seen = install(() => ok({ events: [] }));
    await makeDs().query(request([{ refId: 'B', queryType: 'timeline', service: '$service' }]));
    expect(seen).toHaveLength(1);
    expect(seen[0].params).toEqual({ from, to });
  });

  it('scores several selected entities in one replay and keeps only those selected', async () => {
    use('service', ['orders', 'cart'], ['orders', 'payments', 'cart']);
    const other = (service: string) => ({ ...scoreResponse.series[0], key: `service="${service}"`, labels: { service } });
    const seen = install((req) =>
      req.url?.endsWith('/detectors')
        ? ok({ detectors: [] })
        : ok({ ...scoreResponse, series: [scoreResponse.series[0], other('payments'), other('cart')] })
    );
    const res = await makeDs().query(request([{ refId: 'A', queryType: 'scores', detector: 'services', entity: 'service="$service"' }]));
    expect(scoreCalls(seen)).toHaveLength(1);
    expect(scoreCalls(seen)[0].data).not.toHaveProperty('match.service');
    const services = res.data.map((f: { fields: Array<{ name: string; labels?: Record<string, string> }> }) => f.fields.find((x) => x.name === 'score')!.labels!.service);
    expect(services).toEqual(['orders', 'cart']);
  });
});

describe('ad-hoc filters', () => {
  const entity = (labels: Record<string, string>) => ({
    detector: 'services',
    key: Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(','),
    labels,
    warm: true,
    lastScore: 0.2,
    lastScoredAt: from,
    modelFittedAt: from,
  });

  it('offers the detectors\' groupBy labels as keys and the entities\' values, narrowed by the other filters', async () => {
    install((req) =>
      req.url?.endsWith('/detectors')
        ? ok({ detectors: [{ ...detectorInfo('services', 15), groupBy: ['service', 'zone'] }, { ...detectorInfo('hosts', 15), groupBy: ['instance'] }] })
        : ok({ entities: [entity({ service: 'orders', zone: 'a' }), entity({ service: 'cart', zone: 'b' }), entity({ service: 'pay', zone: 'a' })] })
    );
    const ds = makeDs();
    expect((await ds.getTagKeys()).map((k) => k.text)).toEqual(['instance', 'service', 'zone']);
    const values = await ds.getTagValues({ key: 'service', filters: [{ key: 'zone', operator: '=', value: 'a' }] });
    expect(values.map((v) => v.text)).toEqual(['orders', 'pay']);
  });

  it('narrow the replay by label and the remediator by service; other operators are left out', async () => {
    const seen = install((req) => (req.url?.endsWith('/detectors') ? detectorApi(15)(req) : req.url?.includes('/remediator/') ? ok({ events: [] }) : ok(scoreResponse)));
    await makeDs().query({
      ...request([
        { refId: 'A', queryType: 'scores', detector: 'services' },
        { refId: 'B', queryType: 'timeline' },
      ]),
      filters: [
        { key: 'service', operator: '=', value: 'orders' },
        { key: 'zone', operator: '!=', value: 'b' },
      ],
    });
    expect(scoreCalls(seen)[0].data).toMatchObject({ match: { service: 'orders' } });
    expect(scoreCalls(seen)[0].data.match).not.toHaveProperty('zone');
    expect(seen.find((r) => r.url?.includes('/remediator/'))!.params).toEqual({ from, to, service: 'orders' });
  });
});

describe('testDatasource', () => {
  it.each([
    [502, 'UNREACHABLE', /unreachable/],
    [401, 'UNAUTHORISED', /check the detector token/],
    [403, 'UNAUTHORISED', /check the detector token/],
    [404, 'WRONG_VERSION', /version/],
  ])('maps HTTP %s from the detector to %s', async (status, code, message) => {
    install(() => fail(status));
    const res = await makeDs().testDatasource();
    expect(res.status).toBe('error');
    expect(res.message).toMatch(message);
    expect(res.message).toMatch(/detector/);
    expect((res.details as { message: string }).message).toContain(code);
  });

  it('says "check the token" when Grafana turned the service\'s 401 into its 400', async () => {
    install(() => fail(400, 'Authentication to data source failed'));
    const res = await makeDs().testDatasource();
    expect(res.message).toMatch(/detector rejected the token.*check the detector token/);
    expect((res.details as { message: string }).message).toContain('UNAUTHORISED');
  });

  it('names a run superseded by a newer one (backendSrv cancelled it) as such', async () => {
    install(() => throwError(() => ({ cancelled: true, status: -1, data: null, statusText: 'Request was aborted', config: { url: '' } })));
    const res = await makeDs().query(request([{ refId: 'B', queryType: 'timeline' }]));
    expect(res.errors).toEqual([expect.objectContaining({ refId: 'B', message: expect.stringMatching(/superseded by a newer run/) })]);
  });

  it('says the role has no route when Grafana denies it', async () => {
    install(() => fail(403, { message: 'plugin proxy route access denied' }));
    const res = await makeDs().testDatasource();
    expect((res.details as { message: string }).message).toContain('ROUTE_DENIED');
  });

  it('names the remediator when only it fails', async () => {
    install((req) => (req.url?.includes('/remediator/') ? fail(401) : ok({ detectors: [] })));
    const res = await makeDs().testDatasource();
    expect(res.status).toBe('error');
    expect(res.message).toMatch(/detector OK/);
    expect(res.message).toMatch(/remediator rejected/);
  });

  it('reports success with what it found', async () => {
    install((req) =>
      req.url?.includes('/remediator/')
        ? ok({ incidents: [] })
        : ok({
            detectors: [
              {
                name: 'services',
                queries: { cpu: 'x' },
                groupBy: ['service'],
                intervalSeconds: 15,
                trainingWindowSeconds: 3600,
                refitIntervalSeconds: 900,
                sensitivity: 1,
              },
            ],
          })
    );
    const res = await makeDs().testDatasource();
    expect(res).toMatchObject({ status: 'success' });
    expect(res.message).toContain('services');
  });

  it('asks for a URL when none is configured', async () => {
    install(() => ok({}));
    const res = await makeDs({}).testDatasource();
    expect(res.status).toBe('error');
    expect(res.message).toMatch(/URL/);
  });
});

describe('metricFindQuery', () => {
  const entities = {
    entities: ['orders', 'payments', 'orders'].map((s, i) => ({
      detector: 'services',
      key: `service="${s}",instance="${i}"`,
      labels: { service: s, instance: String(i) },
      warm: true,
      lastScore: 0.2,
      lastScoredAt: from,
      modelFittedAt: from,
    })),
  };

  it('lists distinct label values of a detector entities, sorted', async () => {
    const seen = install(() => ok(entities));
    const values = await makeDs().metricFindQuery('entities(services, service)');
    expect(values.map((v) => v.text)).toEqual(['orders', 'payments']);
    expect(seen[0].params).toEqual({ detector: 'services' });
  });

  it('lists entity keys', async () => {
    install(() => ok(entities));
    const values = await makeDs().metricFindQuery('entities(services)');
    expect(values).toHaveLength(3);
    expect(values[0].text).toBe('service="orders",instance="0"');
  });
});
