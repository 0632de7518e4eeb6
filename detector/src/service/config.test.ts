import { parseConfig } from './config';
import { DetectorError } from '../errors';

const ok = { prometheus: { url: 'http://127.0.0.1:9090' }, detectors: [{ job: 'demo' }] };

function errorOf(raw: unknown): DetectorError {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof DetectorError) return e;
    throw e;
  }
  throw new Error('expected parseConfig to throw');
}

describe('parseConfig', () => {
  it('runs with only the Prometheus URL and one job, filling working defaults', () => {
    const c = parseConfig(ok, '/srv');
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8090 });
    expect(c.dataDir).toBe(`${process.cwd()}/homeostat-detector-data`);
    expect(parseConfig({ ...ok, dataDir: 'state' }, '/srv').dataDir).toBe('/srv/state');
    const d = c.detectors[0];
    expect(d.name).toBe('demo');
    expect(d.groupBy).toEqual(['instance']);
    expect(Object.keys(d.queries)).toEqual(['cpu', 'memory', 'scrape_duration']);
    expect(d.queries.cpu).toContain('job="demo"');
    expect(d).toMatchObject({
      intervalSeconds: 15,
      // 1000 and 200 points at the interval: the pipeline's defaults are counts of points
      trainingWindowSeconds: 15_000,
      refitIntervalSeconds: 3000,
      sensitivity: 1,
    });
    expect(d.pipeline.alarm).toEqual({ level: 0.5, holdPoints: 400 });
    expect(c.prometheus.retries).toEqual({
      attempts: 3,
      baseDelayMs: 200,
      maxDelayMs: 2000,
      maxRetryAfterMs: 30_000,
    });
    expect(c.prometheus.partialResponse).toBe('refuse');
  });

  it('the job shortcut rates over 4 scrape intervals (default scrape 1 m: a 1 m window holds one sample)', () => {
    expect(parseConfig(ok).detectors[0].queries.cpu).toContain('[240s]');
    const fast = parseConfig({ ...ok, detectors: [{ job: 'demo', scrapeIntervalSeconds: 15 }] });
    expect(fast.detectors[0].queries.cpu).toContain('[60s]');
  });

  it('keeps a declared missing-feature policy per feature (skip is the default and is left out)', () => {
    const c = parseConfig({
      ...ok,
      detectors: [
        { name: 'x', queries: { a: 'up', b: 'up', c: 'up' }, missing: { a: 'zero', b: 'last', c: 'skip' } },
      ],
    });
    expect(c.detectors[0].missing).toEqual({ a: 'zero', b: 'last' });
    expect(parseConfig(ok).detectors[0].missing).toEqual({});
  });

  it.each([
    [
      'a missing policy for an unknown feature',
      { ...ok, detectors: [{ name: 'x', queries: { a: 'up' }, missing: { b: 'zero' } }] },
      'detectors.0.missing.b',
    ],
    [
      'a robust z floor for an unknown feature',
      {
        ...ok,
        detectors: [{ name: 'x', queries: { a: 'up' }, pipeline: { robustZAbsoluteFloor: { b: 1 } } }],
      },
      'detectors.0.pipeline.robustZAbsoluteFloor.b',
    ],
    [
      "a range rule's smallest excess for an unknown feature",
      {
        ...ok,
        detectors: [{ name: 'x', queries: { a: 'up' }, pipeline: { rangeRule: { minExcess: { b: 0.05 } } } }],
      },
      'detectors.0.pipeline.rangeRule.minExcess.b',
    ],
    [
      'a demand feature that is not a feature',
      {
        ...ok,
        detectors: [{ name: 'x', queries: { a: 'up' }, pipeline: { demand: { features: ['rps'] } } }],
      },
      'detectors.0.pipeline.demand.features.rps',
    ],
    [
      'a feature both demand and a resource',
      {
        ...ok,
        detectors: [
          {
            name: 'x',
            queries: { a: 'up', b: 'up' },
            pipeline: { demand: { features: ['a'], resources: ['a'] } },
          },
        ],
      },
      'detectors.0.pipeline.demand.resources.a',
    ],
    [
      'an unknown missing policy',
      { ...ok, detectors: [{ name: 'x', queries: { a: 'up' }, missing: { a: 'mean' } }] },
      'detectors.0.missing.a',
    ],
    ['no prometheus', { detectors: ok.detectors }, 'prometheus'],
    ['a URL that is not http', { ...ok, prometheus: { url: 'ftp://x' } }, 'prometheus.url'],
    ['no detectors', { prometheus: ok.prometheus }, 'detectors'],
    ['an empty detector list', { ...ok, detectors: [] }, 'detectors'],
    ['a detector with neither queries nor job', { ...ok, detectors: [{ name: 'x' }] }, 'detectors.0.queries'],
    [
      'a negative interval',
      { ...ok, detectors: [{ job: 'demo', intervalSeconds: -1 }] },
      'detectors.0.intervalSeconds',
    ],
    [
      'a window shorter than 10 intervals',
      { ...ok, detectors: [{ job: 'demo', intervalSeconds: 60, trainingWindowSeconds: 300 }] },
      'detectors.0.trainingWindowSeconds',
    ],
    [
      'a bad feature name',
      { ...ok, detectors: [{ name: 'x', queries: { 'cpu-usage': 'up' } }] },
      'detectors.0.queries.cpu-usage',
    ],
    [
      'a reserved groupBy label',
      { ...ok, detectors: [{ name: 'x', queries: { cpu: 'up' }, groupBy: ['feature'] }] },
      'detectors.0.groupBy.0',
    ],
    ['an unknown key (typo)', { ...ok, detectors: [{ job: 'demo', intervalSecond: 5 }] }, 'detectors.0'],
    [
      'duplicate detector names',
      { ...ok, detectors: [{ job: 'demo' }, { job: 'demo' }] },
      'detectors.1.name',
    ],
    [
      'bearer auth without a token',
      { ...ok, prometheus: { url: 'http://x:9090', auth: { type: 'bearer' } } },
      'prometheus.auth.token',
    ],
    [
      'an unknown auth type',
      { ...ok, prometheus: { url: 'http://x:9090', auth: { type: 'oauth' } } },
      'prometheus.auth.type',
    ],
    ['a port out of range', { ...ok, server: { port: 70000 } }, 'server.port'],
  ])('rejects %s with INVALID_CONFIG naming %p', (_name, raw, field) => {
    const e = errorOf(raw);
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });

  it('is closed by default: no reader or trace token, no anonymous reads', () => {
    expect(parseConfig(ok).auth).toEqual({
      readerTokens: [],
      traceTokens: [],
      anonymousReads: false,
      disabled: false,
    });
  });

  it.each([
    ['two sources in one secret', { readerTokens: [{ value: 'a', env: 'B' }] }, 'auth.readerTokens.0'],
    ['a token as a bare string', { readerTokens: ['s3cret'] }, 'auth.readerTokens.0'],
    ['an unknown key', { tokens: [] }, 'auth'],
  ])('refuses %s naming %s', (_name, auth, field) => {
    const e = errorOf({ ...ok, auth });
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.field).toBe(field);
  });

  it('makes a token file relative to the config file absolute, and reads none at parse time', () => {
    const c = parseConfig(
      { ...ok, auth: { readerTokens: [{ file: 'reader-token' }, { env: 'UNSET_AT_PARSE' }] } },
      '/srv',
    );
    expect(c.auth.readerTokens).toEqual([{ file: '/srv/reader-token' }, { env: 'UNSET_AT_PARSE' }]);
  });

  it('refuses the trace receiver without a trace sender token, unless auth is disabled', () => {
    const e = errorOf({ ...ok, traces: { enabled: true } });
    expect([e.code, e.field]).toEqual(['INVALID_CONFIG', 'auth.traceTokens']);
    expect(parseConfig({ ...ok, traces: { enabled: true }, auth: { disabled: true } }).traces.enabled).toBe(
      true,
    );
    expect(
      parseConfig({ ...ok, traces: { enabled: true }, auth: { traceTokens: [{ value: 't' }] } }).traces
        .enabled,
    ).toBe(true);
  });
});
