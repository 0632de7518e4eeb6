import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root, whether this runs from chaos/src (jest) or chaos/dist (node). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Entry points of the sibling packages' built CLIs (docs/architecture.md). */
export const ENTRY_POINTS = {
  backend: resolve(REPO_ROOT, 'demo/dist/bin/backend.js'),
  gateway: resolve(REPO_ROOT, 'demo/dist/bin/gateway.js'),
  detector: resolve(REPO_ROOT, 'detector/dist/cli/main.js'),
  remediator: resolve(REPO_ROOT, 'remediator/dist/cli/main.js'),
} as const;
export type EntryPoint = keyof typeof ENTRY_POINTS;

export function isBuilt(entry: EntryPoint): boolean {
  return existsSync(ENTRY_POINTS[entry]);
}
