import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { readSecret as readSecretValue, Secret } from '@homeostat/contracts/access';
import { RemediatorError } from './errors';
import type { Credentials } from './http/access-control';
import { compilePolicy, parseYamlText, zodToError } from './policy/load-policy';
import type { Policy } from './policy/policy-schema';

export const ProcessGroupConfig = z.strictObject({
  /** The target name policies resolve to (usually the `service` label). */
  name: z.string().min(1),
  /** argv; `{port}` and `{name}` are replaced per replica. */
  command: z.array(z.string()).min(1),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** Replicas started with the remediator (their ports). */
  ports: z.array(z.number().int().min(1).max(65535)).min(1),
  /** Ports for replicas spawned by scale_out. */
  replicaPorts: z.strictObject({ from: z.number().int().min(1), to: z.number().int().max(65535) }),
  /** Polled after a spawn until it answers 2xx (the replica is ready). */
  readyPath: z.string().default('/healthz'),
  readyTimeoutSeconds: z.number().min(0.1).default(30),
  /** Backend admin endpoint for cache_enable, `{port}` templated. */
  cacheUrl: z.string().default('http://127.0.0.1:{port}/admin/cache'),
  /** Whether the remediator starts the group's replicas itself at start-up. */
  autostart: z.boolean().default(true),
});
export type ProcessGroupConfig = z.infer<typeof ProcessGroupConfig>;

export const Config = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8091),
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .default(1024 * 1024),
      logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .default({ host: '127.0.0.1', port: 8091, bodyLimitBytes: 1024 * 1024, logLevel: 'info' }),
  /**
   * Three credentials with least privilege, each a bearer token from a value, file or env:
   * `bearerTokens` / `basic` for webhook senders (Alertmanager's http_config), `readerTokens` for
   * the audit API (the Grafana datasource), `operatorTokens` for approvals and the kill switch
   * (operators may also read). Without credentials a route refuses every request; reads without a
   * credential only with `anonymousReads: true`, everything open only with `disabled: true`
   * (local experiments).
   */
  auth: z
    .strictObject({
      bearerTokens: z.array(Secret).default([]),
      basic: z.array(z.strictObject({ username: z.string().min(1), password: Secret })).default([]),
      readerTokens: z.array(Secret).default([]),
      operatorTokens: z.array(Secret).default([]),
      anonymousReads: z.boolean().default(false),
      disabled: z.boolean().default(false),
    })
    .default({
      bearerTokens: [],
      basic: [],
      readerTokens: [],
      operatorTokens: [],
      anonymousReads: false,
      disabled: false,
    }),
  storage: z.strictObject({ file: z.string().min(1) }).default({ file: 'remediator.db' }),
  /**
   * Shared state on PostgreSQL (any number of replicas; `storage.file` is then unused): the URL,
   * or a secret holding it (`{ env: HOMEOSTAT_STATE_URL }`, `{ file: ... }`). Without it the state
   * is the SQLite file (one replica).
   */
  state: z
    .strictObject({
      url: z.union([z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'), Secret]),
      /** How often a follower tries to become the leader, and the leader looks for jobs other replicas accepted. */
      pollMs: z.number().int().min(10).max(10_000).default(250),
    })
    .optional(),
  policyFile: z.string().optional(),
  policy: z.unknown().optional(),
  prometheus: z.strictObject({ url: z.url() }).optional(),
  alertmanager: z.strictObject({ url: z.url() }).optional(),
  docker: z
    .strictObject({
      socketPath: z.string().default('/var/run/docker.sock'),
      /** How long a clone made by scale_out is kept (from the scale-out), then removed; 0 keeps it until scale_in/undo. */
      scaleOutHoldSeconds: z.number().int().min(0).default(900),
      /**
       * How long a clone leaving (give-back, scale_in, undo) keeps serving under its draining name
       * before it is removed, so discovery drops it while it still answers (not a crash). Cover
       * docker_sd's refresh_interval plus Prometheus' target updates (up to 5 s + 5 s) and a scrape.
       */
      drainSeconds: z.number().min(0).max(300).default(20),
      /**
       * A restart of every replica (an alert about the whole service) waits for each container to
       * be `healthy` before the next; one without a healthcheck must run this long instead.
       */
      minReadySeconds: z.number().min(0).max(600).default(10),
      /**
       * A restart of a service's only running container starts a clone of it first and restarts
       * the container once the clone serves (then drains and removes the clone): no gap. false:
       * restart in place.
       */
      surgeRestart: z.boolean().default(true),
    })
    .optional(),
  kubernetes: z
    .strictObject({
      kubeconfig: z.string().optional(),
      /** Bound on each Kubernetes API call. */
      requestTimeoutSeconds: z.number().min(0.1).default(10),
      /** How long an HPA floor raised by scale_out is held (from the raise; cover verify.timeoutSeconds). */
      floorHoldSeconds: z.number().int().min(1).default(900),
      /** How long an isolated pod stays out of traffic; then it is evicted, or restored. */
      isolationTtlSeconds: z.number().int().min(1).default(900),
      afterIsolationTtl: z.enum(['evict', 'restore']).default('evict'),
      leaderElection: z
        .strictObject({
          enabled: z.boolean().default(true),
          namespace: z.string().default('homeostat'),
          leaseName: z.string().default('homeostat-remediator'),
          identity: z.string().optional(),
          leaseDurationSeconds: z.number().int().min(1).default(15),
          renewSeconds: z.number().min(0.1).default(5),
          /** The leader acts only this long after its last renewal started (default 2/3 of the duration). */
          renewDeadlineSeconds: z.number().min(0.1).optional(),
        })
        .refine(
          (l) => {
            const deadline = l.renewDeadlineSeconds ?? (l.leaseDurationSeconds * 2) / 3;
            return l.renewSeconds < deadline && deadline < l.leaseDurationSeconds;
          },
          { message: 'needs renewSeconds < renewDeadlineSeconds < leaseDurationSeconds' },
        )
        .optional(),
    })
    .optional(),
  process: z
    .strictObject({
      gateway: z.strictObject({ url: z.url(), token: Secret.optional() }).optional(),
      groups: z.array(ProcessGroupConfig).default([]),
      /** How long a replica spawned by scale_out is kept (from the scale-out), then stopped; 0 keeps it until scale_in/undo. */
      scaleOutHoldSeconds: z.number().int().min(0).default(900),
      /**
       * Seconds between taking a replica out of the gateway and stopping it (scale_in, undo, give-back):
       * in-flight requests finish and service discovery drops the target before it stops answering.
       */
      drainSeconds: z.number().min(0).max(300).default(5),
    })
    .optional(),
  /** Jobs processed at the same time (each is one alert; one incident never runs twice at once). */
  concurrency: z.number().int().min(1).max(64).default(4),
});
export type Config = z.infer<typeof Config>;

export interface LoadedConfig {
  config: Config;
  policy: Policy;
  baseDir: string;
}

/** The auth section's secrets read (files relative to the config file). */
export function readCredentials(config: Config, baseDir: string): Credentials {
  const a = config.auth;
  const all = (list: Secret[], field: string) => list.map((s, i) => readSecret(s, baseDir, `${field}.${i}`));
  return {
    webhookTokens: all(a.bearerTokens, 'auth.bearerTokens'),
    webhookBasic: a.basic.map((b, i) => ({
      username: b.username,
      password: readSecret(b.password, baseDir, `auth.basic.${i}.password`),
    })),
    readerTokens: all(a.readerTokens, 'auth.readerTokens'),
    operatorTokens: all(a.operatorTokens, 'auth.operatorTokens'),
    anonymousReads: a.anonymousReads,
    disabled: a.disabled,
  };
}

/** The PostgreSQL URL of `state`, or null for the SQLite file. */
export function stateUrl(config: Config, baseDir: string): string | null {
  const u = config.state?.url;
  if (u === undefined) return null;
  return typeof u === 'string' ? u : readSecret(u, baseDir, 'state.url');
}

/** Reads a secret given as value, file (trimmed) or environment variable; `field` names it in the error. */
export function readSecret(s: Secret, baseDir: string, field: string): string {
  const r = readSecretValue(s, baseDir);
  if (r.ok) return r.value;
  throw new RemediatorError('CONFIG_INVALID', r.message, { field: `${field}.${r.key}`, cause: r.cause });
}

export function parseConfig(raw: unknown, baseDir: string): LoadedConfig {
  const parsed = Config.safeParse(raw ?? {});
  if (!parsed.success) throw zodToError('CONFIG_INVALID', parsed.error);
  const config = parsed.data;
  let policy: Policy;
  if (config.policyFile !== undefined) {
    const file = resolve(baseDir, config.policyFile);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new RemediatorError('CONFIG_INVALID', `cannot read policy file ${file}`, {
        field: 'policyFile',
        cause: e,
      });
    }
    policy = compilePolicy(parseYamlText(text, file));
  } else if (config.policy !== undefined) {
    policy = compilePolicy(config.policy, ['policy']);
  } else {
    throw new RemediatorError('CONFIG_INVALID', 'give policyFile or an inline policy', {
      field: 'policyFile',
    });
  }
  if (!config.auth.disabled && config.auth.bearerTokens.length === 0 && config.auth.basic.length === 0) {
    throw new RemediatorError(
      'CONFIG_INVALID',
      'no webhook credentials configured; set auth.bearerTokens or auth.basic, or auth.disabled: true for local use',
      {
        field: 'auth',
      },
    );
  }
  return { config, policy, baseDir };
}

export function loadConfigFile(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RemediatorError('CONFIG_INVALID', `cannot read config file ${file}`, {
      field: '--config',
      cause: e,
    });
  }
  const baseDir = dirname(resolve(file));
  let raw: unknown;
  try {
    raw = parseYamlText(text, file);
  } catch (e) {
    throw new RemediatorError('CONFIG_INVALID', e instanceof Error ? e.message : String(e), {
      field: '(yaml)',
      cause: e,
    });
  }
  const loaded = parseConfig(raw, baseDir);
  loaded.config.storage.file = resolve(baseDir, loaded.config.storage.file);
  return loaded;
}
