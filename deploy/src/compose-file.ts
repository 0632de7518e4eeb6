import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { DeployError } from './errors';
import type { SchemaProblem } from './k8s-schema';

/** The parts of a compose service the deploy checks read (the schema has vetted the shape). */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; target?: string };
  command?: string[];
  container_name?: string;
  restart?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  labels?: Record<string, string>;
  secrets?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  user?: string;
  group_add?: string[];
  tmpfs?: string[];
  healthcheck?: { test?: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
}
export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

/** Reads a compose file the way Compose does: YAML merge keys (`<<: *anchor`) resolved. */
export function readComposeFile(file: string): ComposeFile {
  try {
    return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
  } catch (e) {
    throw new DeployError('FILE_INVALID', `${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Validates against the Compose Specification's JSON schema (deploy/schemas/compose/compose-spec.json). */
export function validateCompose(doc: unknown, schemaFile = join(__dirname, '..', 'schemas', 'compose', 'compose-spec.json')): SchemaProblem[] {
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
  delete schema.$schema; // draft-07, ajv's default; the URL form in the file is not a registered meta-schema id
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (validate(doc)) return [];
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf')
    .map((e) => ({
      object: 'docker-compose.yml',
      path: e.instancePath || '/',
      message: e.keyword === 'additionalProperties' ? `unknown key "${String(e.params.additionalProperty)}"` : (e.message ?? e.keyword),
    }));
}

/** A short-syntax volume `src:dst[:mode]` split; named volumes have no `./` or `/` source. */
export function parseVolume(spec: string): { source: string; target: string; bind: boolean; relative: boolean } {
  const [source, target] = spec.split(':');
  const relative = source.startsWith('./') || source.startsWith('../');
  return { source, target, bind: relative || source.startsWith('/'), relative };
}

/** Stage names of a Dockerfile (`FROM image AS name`) and the USER each stage ends with. */
export function dockerfileStages(text: string): { name: string; from: string; user?: string }[] {
  const stages: { name: string; from: string; user?: string }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const parent = stages.find((s) => s.name === from[1]);
      stages.push({ name: from[2] ?? `#${stages.length}`, from: from[1], user: parent?.user });
      continue;
    }
    const user = /^USER\s+(\S+)/i.exec(line);
    if (user && stages.length) stages[stages.length - 1].user = user[1];
  }
  return stages;
}
