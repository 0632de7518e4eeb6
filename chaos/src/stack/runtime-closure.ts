import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Finds where Node would resolve package `name` from `fromDir` (walking up node_modules folders). */
function packageDir(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The npm packages a workspace needs at run time (its dependencies, theirs, and so on), as paths
 * relative to `nodeModulesRoot`'s parent: what an image must carry under /app/node_modules.
 * Packages resolved inside another package's own node_modules come with that package's folder.
 * `skip` names packages provided another way (workspace packages copied from their dist).
 */
export function runtimeClosure(pkgDir: string, repoRoot: string, skip: readonly string[] = []): string[] {
  const top = new Set<string>();
  const seen = new Set<string>();
  const visit = (dir: string) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (skip.includes(name)) continue;
      const found = packageDir(name, dir);
      if (!found) continue; // an optional dependency for another platform
      if (seen.has(found)) continue;
      seen.add(found);
      const rel = relative(repoRoot, found);
      // a top-level copy brings its nested node_modules along
      if (!rel.startsWith('..') && rel.split('node_modules').length === 2) top.add(rel);
      visit(found);
    }
  };
  visit(pkgDir);
  return [...top].sort();
}
