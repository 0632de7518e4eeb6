import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { issuePath } from '@homeostat/contracts';
import { ChaosError } from '../errors';
import { Experiment, ScenarioName } from './experiment-schema';

/** chaos/experiments, whether running from src (jest) or dist (node). */
export const EXPERIMENTS_DIR = resolve(__dirname, '..', '..', 'experiments');

/** Validates a parsed experiment; the error names the first offending key path. */
export function parseExperiment(raw: unknown, source = 'experiment'): Experiment {
  const r = Experiment.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issuePath(issue.path) || '(root)';
  throw new ChaosError('INVALID_EXPERIMENT', `${source}: ${field}: ${issue.message}`, { field });
}

export function loadExperimentFile(file: string): Experiment {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ChaosError('INVALID_EXPERIMENT', `${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseExperiment(raw, file);
}

export function loadScenario(name: string, dir = EXPERIMENTS_DIR): Experiment {
  const known = ScenarioName.safeParse(name);
  if (!known.success) {
    throw new ChaosError('UNKNOWN_SCENARIO', `unknown scenario "${name}"; one of ${ScenarioName.options.join(', ')}`, {
      field: 'scenario',
    });
  }
  const exp = loadExperimentFile(join(dir, `${name}.yml`));
  if (exp.name !== name) {
    throw new ChaosError('INVALID_EXPERIMENT', `${name}.yml: name: is "${exp.name}", expected "${name}"`, { field: 'name' });
  }
  return exp;
}

export function listExperimentFiles(dir = EXPERIMENTS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}
