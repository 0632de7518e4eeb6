import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { issuePath } from '@homeostat/contracts';
import { DemoError } from './errors';

/**
 * Reads `--key value` options, falling back to env variables (for containers), then to a YAML/JSON
 * file given by `--config` (env HOMEOSTAT_CONFIG), and validates them with a zod schema; an error
 * names the option or the file's key. Keys are kebab-case on the command line (`--db-pool-size`)
 * and camelCase in the schema and the file (`dbPoolSize`).
 */
export interface OptionSpec {
  /** camelCase key in the schema */
  key: string;
  type: 'string' | 'number' | 'boolean' | 'list';
  env?: string;
}

export function readOptions<T>(
  argv: string[],
  env: NodeJS.ProcessEnv,
  specs: OptionSpec[],
  schema: z.ZodType<T>,
): T {
  const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const s of specs) options[kebab(s.key)] = { type: 'string', multiple: s.type === 'list' };
  options.config = { type: 'string' };
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false })
      .values as typeof values;
  } catch (e) {
    throw new DemoError('BAD_CONFIG', (e as Error).message, 400);
  }
  const configFile = (values.config as string | undefined) ?? (env.HOMEOSTAT_CONFIG || undefined);
  const fromFile = configFile ? readConfigFile(configFile, specs) : {};
  const raw: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const s of specs) {
    const flag = kebab(s.key);
    let v = values[flag];
    if (v === undefined && s.env && env[s.env] !== undefined && env[s.env] !== '') {
      v =
        s.type === 'list'
          ? env[s.env]!.split(',')
              .map((x) => x.trim())
              .filter(Boolean)
          : env[s.env];
    }
    if (v === undefined) {
      if (s.key in fromFile) {
        raw[s.key] = fromFile[s.key];
        origin[s.key] = `${configFile}: ${s.key}`;
      }
      continue;
    }
    raw[s.key] = convert(v, s, flag);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issuePath(issue.path);
    const key = field.split('.')[0];
    const where = origin[key] ?? `--${kebab(key)}`;
    throw new DemoError(
      'BAD_CONFIG',
      `${where}${field.includes('.') ? ` (${field})` : ''}: ${issue.message}`,
      400,
      field,
    );
  }
  return parsed.data;
}

function convert(v: string | string[] | boolean, s: OptionSpec, flag: string): unknown {
  if (s.type === 'list') return Array.isArray(v) ? v : [v];
  const str = String(Array.isArray(v) ? v[v.length - 1] : v);
  if (s.type === 'number') {
    const n = Number(str);
    if (str.trim() === '' || !Number.isFinite(n))
      throw new DemoError('BAD_CONFIG', `--${flag}: "${str}" is not a number`, 400, s.key);
    return n;
  }
  if (s.type === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(str)) return true;
    if (/^(false|0|no|off)$/i.test(str)) return false;
    throw new DemoError('BAD_CONFIG', `--${flag}: "${str}" is not a boolean (true/false)`, 400, s.key);
  }
  return str;
}

function readConfigFile(path: string, specs: OptionSpec[]): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DemoError('BAD_CONFIG', `${path}: ${(e as Error).message}`, 400, 'config');
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new DemoError('BAD_CONFIG', `${path}: must be a mapping of options`, 400, 'config');
  const known = new Set(specs.map((s) => s.key));
  for (const k of Object.keys(doc)) {
    if (!known.has(k))
      throw new DemoError(
        'BAD_CONFIG',
        `${path}: ${k}: unknown option; one of ${[...known].join(', ')}`,
        400,
        k,
      );
  }
  return doc as Record<string, unknown>;
}
