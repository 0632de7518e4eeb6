import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DeployError } from './errors';

/** The repository root (deploy/ is one level below it). */
export const ROOT = join(__dirname, '..', '..');

export const repoPath = (...parts: string[]) => join(ROOT, ...parts);

export function readYamlFile<T = unknown>(...parts: string[]): T {
  const file = repoPath(...parts);
  try {
    return parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new DeployError('FILE_INVALID', `${parts.join('/')}: ${(e as Error).message}`, { cause: e });
  }
}
