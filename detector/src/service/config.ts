import { readFileSync } from 'node:fs';
import { isAbsolute, dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { issuePath } from '@homeostat/contracts';
import { DetectorError } from '../errors';
import { AuthSettings, resolveAuthFiles } from './auth-settings';
import { PipelineSettings } from './pipeline-settings';
import { RootCauseSettings } from './root-cause/root-cause-settings';

// Part of the detector config's schema; it lives in its own file, re-exported here.
export { PipelineSettings };

/**
 * The detector service's YAML configuration. Every key has a default that works except the query
 * API URL and at least one detector; a detector may name only a `job`, which expands to generic
 * per-instance features every prom-client or Go exporter has (see `jobDefaults`).
 */

const PositiveSeconds = z.number().positive();

const BearerAuth = z
  .object({
    type: z.literal('bearer'),
    token: z.string().min(1).optional(),
    /** Read at start-up, so a secret never has to sit in the config file. */
    tokenFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((a) => (a.token === undefined) !== (a.tokenFile === undefined), {
    path: ['token'],
    message: 'give exactly one of token or tokenFile',
  });

const BasicAuth = z
  .object({
    type: z.literal('basic'),
    username: z.string().min(1),
    password: z.string().optional(),
    passwordFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((a) => (a.password === undefined) !== (a.passwordFile === undefined), {
    path: ['password'],
    message: 'give exactly one of password or passwordFile',
  });

const TlsConfig = z
  .object({
    /** PEM bundle of the CAs that sign the query API's certificate (instead of the system's). */
    caFile: z.string().min(1).optional(),
    /** Client certificate and key (PEM) for mutual TLS. */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Name the server certificate must carry (SNI), when the URL's host is not it. */
    serverName: z.string().min(1).optional(),
    /** Skip certificate verification. Only for a test setup. */
    insecureSkipVerify: z.boolean().default(false),
  })
  .strict()
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    path: ['certFile'],
    message: 'give certFile and keyFile together',
  });

export const PrometheusConfig = z
  .object({
    /** Base URL of any Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics). */
    url: z.url({ protocol: /^https?$/ }),
    auth: z.discriminatedUnion('type', [BearerAuth, BasicAuth]).optional(),
    /** Extra headers, e.g. `X-Scope-OrgID` for Mimir tenants. */
    headers: z.record(z.string(), z.string()).default({}),
    timeoutSeconds: PositiveSeconds.default(10),
    retries: z
      .object({
        /** Total attempts per request, the first included. */
        attempts: z.number().int().min(1).max(10).default(3),
        baseDelayMs: z.number().int().nonnegative().default(200),
        maxDelayMs: z.number().int().nonnegative().default(2000),
        /** The longest Retry-After (429, 503) honoured before the next attempt. */
        maxRetryAfterMs: z.number().int().nonnegative().default(30_000),
      })
      .strict()
      .prefault({}),
    /**
     * Thanos' partial responses (a store did not answer): `refuse` (the default) asks for
     * partial_response=false, so the query fails and is retried instead of scoring missing data;
     * `allow` accepts them, and their warnings are counted and returned by the REST replay.
     */
    partialResponse: z.enum(['refuse', 'allow']).default('refuse'),
    /** TLS options for an https URL (files are read again when they change). */
    tls: TlsConfig.optional(),
  })
  .strict();
export type PrometheusConfig = z.infer<typeof PrometheusConfig>;

const FeatureName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'feature names are Prometheus label-safe');
const LabelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'not a valid Prometheus label name')
  .refine((l) => l !== 'detector' && l !== 'feature', 'detector and feature are labels of the score metrics');

/** Default training window and refit interval, in points, when no seconds are given. */
export const DEFAULT_TRAINING_POINTS = 1000;
export const DEFAULT_REFIT_POINTS = 200;

/** A model's settings: shared by the service's detectors and `homeostat-detect replay --config`. */
export const ModelSettings = z
  .object({
    /** History each model trains on (default 1000 points at the interval). */
    trainingWindowSeconds: PositiveSeconds.optional(),
    /** How often a model is refitted on its window (default every 200 points). */
    refitIntervalSeconds: PositiveSeconds.optional(),
    /** Scales the expected share of anomalies in training data (1% at 1): above 1 flags more, below 1 fewer. */
    sensitivity: z.number().positive().max(10).default(1),
    trees: z.number().int().min(1).max(1000).default(100),
    sampleSize: z.number().int().min(16).max(4096).default(256),
    seed: z.number().int().default(1),
    pipeline: PipelineSettings.prefault({}),
  })
  .strict();
export type ModelSettingsInput = z.input<typeof ModelSettings>;

/**
 * What a step does when a feature has no value for an entity (its series is absent, NaN or stale):
 * `skip` the step (not scored; counted in homeostat_detector_dropped_steps_total), fill it with
 * `zero` (a ratio whose numerator series does not exist yet), or carry the entity's `last` value
 * of the feature (a gauge that is scraped less often than the detector's interval).
 */
export const MissingPolicy = z.enum(['skip', 'zero', 'last']);
export type MissingPolicy = z.infer<typeof MissingPolicy>;

/** A list of feature names as the by-feature settings are keyed, so one check covers both. */
function byName(names: readonly string[] | undefined): Record<string, true> {
  return Object.fromEntries((names ?? []).map((n) => [n, true]));
}

function isRegExp(p: string): boolean {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}

/** Two days: the ranges dashboards usually show. */
const DEFAULT_LIVE_SCORE_RETENTION_SECONDS = 2 * 86_400;

/** Prometheus appends a local scrape's samples within a second of their timestamp. */
export const DEFAULT_QUERY_DELAY_SECONDS = 1;

export const DetectorConfigInput = ModelSettings.extend({
  name: z
    .string()
    .regex(/^[a-zA-Z0-9_.:-]+$/, 'use letters, digits, _ . : -')
    .optional(),
  /** Shortcut: generic per-instance features for every target of this scrape job. */
  job: z.string().min(1).optional(),
  queries: z.record(FeatureName, z.string().min(1)).optional(),
  groupBy: z.array(LabelName).min(1).optional(),
  intervalSeconds: PositiveSeconds.default(15),
  /**
   * The settle delay: a point is scored once it is this old, by the live loop and by a replay
   * alike (newer ones wait for the next cycle or refresh), so late scrapes are not read as gaps
   * and both read the same data. Raise it for backends that ingest late (remote write).
   */
  queryDelaySeconds: z.number().nonnegative().default(DEFAULT_QUERY_DELAY_SECONDS),
  /** An entity absent from every feature this long is dropped (its gauges vanish, its model is deleted). */
  forgetAfterSeconds: PositiveSeconds.optional(),
  /** Per feature (by name): what a step without its value does; features not named: `skip`. */
  missing: z.record(FeatureName, MissingPolicy).default({}),
  /** Live root-cause ranking of this detector's concurrent anomalies (root-cause/root-cause-settings.ts). */
  rootCause: RootCauseSettings,
  /**
   * The scrape interval of the `job` shortcut's targets: its rate() windows are 4 times this
   * (a rate needs two samples in its window, and one scrape may fail). Prometheus's default is 60.
   */
  scrapeIntervalSeconds: PositiveSeconds.default(60),
})
  .strict()
  .superRefine((d, ctx) => {
    if (d.queries === undefined && d.job === undefined) {
      ctx.addIssue({ code: 'custom', path: ['queries'], message: 'give queries (feature: PromQL) or a job' });
    }
    if (d.queries !== undefined && Object.keys(d.queries).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['queries'], message: 'needs at least one feature' });
    }
    if (d.name === undefined && d.job === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'required unless job is given' });
    }
    const features =
      d.queries ?? (d.job !== undefined ? jobDefaults(d.job, d.scrapeIntervalSeconds).queries : {});
    // settings keyed by feature name must name a feature
    const keyed: [string[], object][] = [
      [['missing'], d.missing],
      [['pipeline', 'robustZAbsoluteFloor'], d.pipeline?.robustZAbsoluteFloor ?? {}],
      [['pipeline', 'rangeRule', 'minExcess'], d.pipeline?.rangeRule?.minExcess ?? {}],
      [['pipeline', 'demand', 'features'], byName(d.pipeline?.demand?.features)],
      [['pipeline', 'demand', 'resources'], byName(d.pipeline?.demand?.resources)],
    ];
    for (const [path, byFeature] of keyed)
      for (const f of Object.keys(byFeature))
        if (!Object.hasOwn(features, f))
          ctx.addIssue({ code: 'custom', path: [...path, f], message: `no feature ${f} in queries` });
    if (d.trainingWindowSeconds !== undefined && d.trainingWindowSeconds < d.intervalSeconds * 10) {
      ctx.addIssue({
        code: 'custom',
        path: ['trainingWindowSeconds'],
        message: 'must cover at least 10 intervals',
      });
    }
  });

export const ServiceConfigInput = z
  .object({
    prometheus: PrometheusConfig,
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8090),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8090 }),
    /**
     * Model state (JSON per entity) and the anomaly event database live here. A relative path given
     * in the file is relative to the file; the default is relative to the working directory.
     */
    dataDir: z.string().min(1).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * The live scores kept in the data dir so a dashboard shows the scores the alerts fired on
     * (see live-score-log.ts): about 60 bytes a point, 17 MB a day for 50 entities at 15 s.
     */
    liveScores: z
      .object({ retentionSeconds: PositiveSeconds.default(DEFAULT_LIVE_SCORE_RETENTION_SECONDS) })
      .strict()
      .default({ retentionSeconds: DEFAULT_LIVE_SCORE_RETENTION_SECONDS }),
    /**
     * POST /v1/traces (OTLP/HTTP JSON, when enabled) teaches the root-cause ranking who calls whom. A span's
     * `service.name` names an entity through `servicePattern`'s first capture group (the whole name
     * without one); an edge is forgotten `edgeTtlSeconds` after it was last seen.
     */
    traces: z
      .object({
        /**
         * Off by default: the call graph decides which alert is a symptom, so only the fleet's
         * exporters may post spans. On, it needs `auth.traceTokens` (checked at start-up).
         */
        enabled: z.boolean().default(false),
        servicePattern: z
          .string()
          .refine((p) => isRegExp(p), 'not a valid regular expression')
          .default('^(.+)$'),
        edgeTtlSeconds: PositiveSeconds.default(3600),
      })
      .strict()
      .default({ enabled: false, servicePattern: '^(.+)$', edgeTtlSeconds: 3600 }),
    auth: AuthSettings,
    detectors: z.array(DetectorConfigInput).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Like the remediator without a webhook credential: a receiver nobody may post to is a mistake.
    if (c.traces.enabled && !c.auth.disabled && c.auth.traceTokens.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'traceTokens'],
        message:
          'traces.enabled needs a trace sender credential: set auth.traceTokens, or auth.disabled: true for local use',
      });
    const seen = new Set<string>();
    c.detectors.forEach((d, i) => {
      const name = d.name ?? d.job ?? '';
      if (seen.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['detectors', i, 'name'],
          message: `duplicate detector name ${name}`,
        });
      seen.add(name);
    });
  });

/** A model's settings with every default filled in, at a known interval. */
export interface ModelConfig {
  intervalSeconds: number;
  trainingWindowSeconds: number;
  refitIntervalSeconds: number;
  sensitivity: number;
  trees: number;
  sampleSize: number;
  seed: number;
  pipeline: PipelineSettings;
}

export interface DetectorConfig extends ModelConfig {
  name: string;
  queries: Record<string, string>;
  groupBy: string[];
  queryDelaySeconds: number;
  forgetAfterSeconds: number;
  /** Only features whose policy is not `skip`. */
  missing: Record<string, MissingPolicy>;
  rootCause: RootCauseSettings;
}

export interface ServiceConfig {
  prometheus: PrometheusConfig;
  server: { host: string; port: number };
  dataDir: string;
  logLevel: z.infer<typeof ServiceConfigInput>['logLevel'];
  liveScores: { retentionSeconds: number };
  traces: { enabled: boolean; servicePattern: string; edgeTtlSeconds: number };
  /** Who may call the REST API; secret files made absolute, read when the service is built. */
  auth: AuthSettings;
  detectors: DetectorConfig[];
}

/**
 * Generic features of any scrape job, one entity per `instance`. The rate window is 4 scrape
 * intervals: `rate(x[1m])` at Prometheus's default 1 m scrape holds one sample and returns nothing.
 */
export function jobDefaults(
  job: string,
  scrapeIntervalSeconds = 60,
): { queries: Record<string, string>; groupBy: string[] } {
  const sel = `job=${JSON.stringify(job)}`;
  const w = `${Math.ceil(4 * scrapeIntervalSeconds)}s`;
  return {
    queries: {
      cpu: `sum by (instance) (rate(process_cpu_seconds_total{${sel}}[${w}]))`,
      memory: `sum by (instance) (process_resident_memory_bytes{${sel}})`,
      scrape_duration: `sum by (instance) (scrape_duration_seconds{${sel}})`,
    },
    groupBy: ['instance'],
  };
}

/** Fills in a parsed model's time-based defaults at an interval (training window and refit in points). */
export function modelConfig(m: z.infer<typeof ModelSettings>, intervalSeconds: number): ModelConfig {
  return {
    intervalSeconds,
    trainingWindowSeconds: m.trainingWindowSeconds ?? DEFAULT_TRAINING_POINTS * intervalSeconds,
    refitIntervalSeconds: m.refitIntervalSeconds ?? DEFAULT_REFIT_POINTS * intervalSeconds,
    sensitivity: m.sensitivity,
    trees: m.trees,
    sampleSize: m.sampleSize,
    seed: m.seed,
    pipeline: m.pipeline,
  };
}

/** Validates a parsed config object; throws CONFIG_INVALID naming the key path of the first problem. */
export function parseConfig(raw: unknown, baseDir = process.cwd()): ServiceConfig {
  const r = ServiceConfigInput.safeParse(raw ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issuePath(issue.path);
    throw new DetectorError('INVALID_CONFIG', `config ${field || '(root)'}: ${issue.message}`, { field });
  }
  const c = r.data;
  return {
    prometheus: c.prometheus,
    server: c.server,
    dataDir:
      c.dataDir === undefined
        ? resolve('homeostat-detector-data')
        : isAbsolute(c.dataDir)
          ? c.dataDir
          : resolve(baseDir, c.dataDir),
    logLevel: c.logLevel,
    liveScores: c.liveScores,
    traces: c.traces,
    auth: resolveAuthFiles(c.auth, baseDir),
    detectors: c.detectors.map((d) => {
      const defaults = d.job !== undefined ? jobDefaults(d.job, d.scrapeIntervalSeconds) : undefined;
      return {
        name: d.name ?? d.job ?? '',
        queries: d.queries ?? defaults?.queries ?? {},
        groupBy: d.groupBy ?? defaults?.groupBy ?? ['instance'],
        ...modelConfig(d, d.intervalSeconds),
        queryDelaySeconds: d.queryDelaySeconds,
        forgetAfterSeconds: d.forgetAfterSeconds ?? Math.max(300, d.intervalSeconds * 20),
        missing: Object.fromEntries(Object.entries(d.missing).filter(([, p]) => p !== 'skip')),
        rootCause: d.rootCause,
      };
    }),
  };
}

/** Reads and validates a YAML file; relative paths inside it resolve against the file's folder. */
export function loadConfigFile(file: string): ServiceConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DetectorError('INVALID_CONFIG', `cannot read config ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    // The yaml library appends a code frame; the CLI prints one line, so keep the first.
    const pos = (e as { linePos?: { line: number }[] }).linePos?.[0];
    const first = (e as Error).message.split('\n')[0];
    throw new DetectorError(
      'INVALID_CONFIG',
      `config ${file} is not valid YAML: ${first}`,
      pos ? { field: `line ${pos.line}`, cause: e } : { cause: e },
    );
  }
  return parseConfig(raw, dirname(resolve(file)));
}
