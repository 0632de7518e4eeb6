import { HomeostatPluginError } from './errors';

/**
 * Template variable queries, one per line in the variable editor:
 * - `detectors()`                  names of the configured detectors
 * - `entities(<detector>)`         entity keys of a detector (`service="orders"`)
 * - `entities(<detector>, <label>)` distinct values of one groupBy label, e.g. services
 */
export type VariableQuery =
  | { kind: 'detectors' }
  | { kind: 'entities'; detector: string; label?: string };

const DETECTORS = /^\s*detectors\(\s*\)\s*$/;
const ENTITIES = /^\s*entities\(\s*([^,\s)]+)\s*(?:,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*)?\)\s*$/;

export function parseVariableQuery(text: string): VariableQuery {
  if (DETECTORS.test(text)) {
    return { kind: 'detectors' };
  }
  const m = ENTITIES.exec(text);
  if (m) {
    return m[2] ? { kind: 'entities', detector: m[1], label: m[2] } : { kind: 'entities', detector: m[1] };
  }
  throw new HomeostatPluginError(
    'BAD_QUERY',
    `unknown variable query "${text}": use detectors(), entities(<detector>) or entities(<detector>, <label>)`,
    undefined,
    'query'
  );
}

/** Entity keys are groupBy labels rendered `k="v",...` (contracts: EntityInfo.key); this reads them back. */
export function parseEntityKey(key: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key)) !== null) {
    labels[m[1]] = m[2].replace(/\\(.)/g, '$1');
  }
  return labels;
}
