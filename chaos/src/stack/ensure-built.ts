import { spawnSync } from 'node:child_process';
import { ChaosError } from '../errors';
import { isBuilt, REPO_ROOT, type EntryPoint } from './repo-paths';

const PACKAGE_OF: Record<EntryPoint, string> = {
  backend: 'demo',
  gateway: 'demo',
  detector: 'detector',
  remediator: 'remediator',
};

/**
 * Builds the sibling packages whose CLIs the stack needs when their dist/ is missing (a fresh
 * clone after `npm ci`), so `npm run chaos` works in one command. Returns the entry points that
 * are still missing after trying (a package that does not build yet).
 */
export function ensureBuilt(entries: readonly EntryPoint[], log: (m: string) => void = () => {}): EntryPoint[] {
  const missing = entries.filter((e) => !isBuilt(e));
  if (!missing.length) return [];
  const pkgs = [...new Set(missing.map((e) => PACKAGE_OF[e]))];
  const workspaces = ['contracts', ...pkgs].flatMap((p) => ['-w', `@homeostat/${p}`]);
  log(`building ${pkgs.join(', ')} (dist/ missing)...`);
  // env explicitly: under jest, process.env is a copy that a child would not otherwise get
  const r = spawnSync('npm', ['run', 'build', ...workspaces], { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) log(`build failed: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return entries.filter((e) => !isBuilt(e));
}

export function requireBuilt(entries: readonly EntryPoint[], log?: (m: string) => void): void {
  const still = ensureBuilt(entries, log);
  if (still.length) {
    throw new ChaosError('NOT_BUILT', `could not build ${still.join(', ')}; run npm run build -w @homeostat/${PACKAGE_OF[still[0]]} and see its errors`);
  }
}
