import { resolve } from 'node:path';
import { readSecret, Secret } from '@homeostat/contracts/access';
import { z } from 'zod';
import { DetectorError } from '../errors';
import type { Credentials } from './api/access-control';

/**
 * Who may call the REST API, each credential a bearer token from a value, file or env:
 * `readerTokens` for every GET /api/v1/* and POST /api/v1/score (the Grafana datasource's
 * detectorToken), `traceTokens` for POST /v1/traces (OTLP exporters send it through
 * OTEL_EXPORTER_OTLP_HEADERS). Without a credential such a request is refused: reads without one
 * only with `anonymousReads: true`, everything open only with `disabled: true` (local
 * experiments). /metrics, /healthz, /readyz and /openapi.json are always open.
 */
export const AuthSettings = z
  .object({
    readerTokens: z.array(Secret).default([]),
    traceTokens: z.array(Secret).default([]),
    anonymousReads: z.boolean().default(false),
    disabled: z.boolean().default(false),
  })
  .strict()
  .prefault({});
export type AuthSettings = z.infer<typeof AuthSettings>;

/** The auth section with each secret file made absolute (relative to the config file), read later by readCredentials. */
export function resolveAuthFiles(a: AuthSettings, baseDir: string): AuthSettings {
  const abs = (list: Secret[]) =>
    list.map((s) => (s.file === undefined ? s : { file: resolve(baseDir, s.file) }));
  return { ...a, readerTokens: abs(a.readerTokens), traceTokens: abs(a.traceTokens) };
}

/**
 * The auth section's secrets read, when the service is built (so parsing a config needs none of its
 * files, as a deploy check of a Kubernetes manifest); unreadable: INVALID_CONFIG naming it.
 */
export function readCredentials(a: AuthSettings): Credentials {
  const all = (list: Secret[], field: string) =>
    list.map((s, i) => {
      const r = readSecret(s, process.cwd());
      if (r.ok) return r.value;
      const at = `${field}.${i}.${r.key}`;
      throw new DetectorError('INVALID_CONFIG', `config ${at}: ${r.message}`, { field: at, cause: r.cause });
    });
  return {
    readerTokens: all(a.readerTokens, 'auth.readerTokens'),
    traceTokens: all(a.traceTokens, 'auth.traceTokens'),
    anonymousReads: a.anonymousReads,
    disabled: a.disabled,
  };
}
