import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * A secret in a service's config: given inline (`value`, for tests), read from a `file` (a mounted
 * Kubernetes or compose secret; trimmed, relative to the config file) or an environment variable.
 */
export const Secret = z
  .strictObject({
    value: z.string().min(1).optional(),
    file: z.string().optional(),
    env: z.string().optional(),
  })
  .refine(
    (s) => [s.value, s.file, s.env].filter((x) => x !== undefined).length === 1,
    'give exactly one of value, file, env',
  );
export type Secret = z.infer<typeof Secret>;

/** The secret, or why it cannot be read: `key` is the Secret's key at fault (`file` or `env`). */
export type SecretRead =
  { ok: true; value: string } | { ok: false; key: 'file' | 'env'; message: string; cause?: unknown };

/** Reads a secret; an unreadable file or an empty variable is a result, mapped by each service to its own error. */
export function readSecret(s: Secret, baseDir: string): SecretRead {
  if (s.value !== undefined) return { ok: true, value: s.value };
  if (s.file !== undefined) {
    let v: string;
    try {
      v = readFileSync(resolve(baseDir, s.file), 'utf8').trim();
    } catch (e) {
      return { ok: false, key: 'file', message: `cannot read ${s.file}`, cause: e };
    }
    // an empty file would make an empty credential valid: refuse it like an empty variable
    return v ? { ok: true, value: v } : { ok: false, key: 'file', message: `${s.file} is empty` };
  }
  const v = process.env[s.env ?? ''];
  if (!v) return { ok: false, key: 'env', message: `environment variable ${s.env} is empty` };
  return { ok: true, value: v };
}
