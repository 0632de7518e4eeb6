import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import madge from 'madge';
import { repoPath } from '../src/repo';

// No package may have an import circle, type-only imports included: a module that needs part of
// another one's surface gets a narrow interface owned by its own module instead (see
// remediator/src/engine/ladder-step.ts). madge resolves imports with each package's tsconfig.
jest.setTimeout(120_000);

const workspaces = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;

async function graphOf(dirs: string[], tsConfig: string) {
  const result = await madge(dirs, { fileExtensions: ['ts', 'tsx'], tsConfig });
  return {
    modules: Object.keys(result.obj()).length,
    cycles: result.circular().map((c) => c.join(' > ')),
    // an unresolved relative import could hide a circle
    unresolved: result.warnings().skipped.filter((s) => s.startsWith('.')),
  };
}

describe('import cycles', () => {
  it.each(workspaces)('%s: no import cycle in src/ or test/', async (ws) => {
    const dirs = ['src', 'test'].map((d) => repoPath(ws, d)).filter((d) => existsSync(d));
    expect(dirs.length).toBeGreaterThan(0);
    const g = await graphOf(dirs, repoPath(ws, 'tsconfig.json'));
    expect(g.modules).toBeGreaterThan(0);
    expect({ cycles: g.cycles, unresolved: g.unresolved }).toEqual({ cycles: [], unresolved: [] });
  });

  it('the check finds a circle made only of type imports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-cycle-'));
    try {
      writeFileSync(
        join(dir, 'engine.ts'),
        "import { Step } from './step';\nexport interface Deps { n: number }\nexport const s = new Step();\n",
      );
      writeFileSync(
        join(dir, 'step.ts'),
        "import type { Deps } from './engine';\nexport class Step { deps?: Deps }\n",
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true } }),
      );
      const g = await graphOf([dir], join(dir, 'tsconfig.json'));
      expect(g.cycles).toEqual(['engine.ts > step.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
