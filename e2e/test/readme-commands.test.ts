import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The README's `npx` commands run what this repository installed, never a package of that name from
 * a registry (anyone could publish one). npm links a workspace's bins when `npm ci` installs it, before
 * `npm run build` writes dist/, so each bin must be a committed file. Every npx call here runs offline
 * against an unreachable registry: a name that does not resolve locally fails instead of downloading.
 */
const ROOT = resolve(__dirname, '..', '..');
const NO_REGISTRY = {
  npm_config_offline: 'true',
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_update_notifier: 'false',
};

interface Pkg {
  name: string;
  bin?: Record<string, string>;
  workspaces?: string[];
}
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const rootPkg = readJson<Pkg>(join(ROOT, 'package.json'));
const workspaceBins = rootPkg.workspaces!.flatMap((ws) => {
  const pkg = readJson<Pkg>(join(ROOT, ws, 'package.json'));
  return Object.entries(pkg.bin ?? {}).map(([name, target]) => ({ ws, pkg, name, target }));
});
const tracked = new Set(
  execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 }).split('\0'),
);

function npx(cwd: string, args: string[]) {
  return spawnSync('npx', ['--offline', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...NO_REGISTRY },
    timeout: 120_000,
  });
}

/** `npx NAME` commands in the tracked READMEs (code spans and blocks alike). */
function readmeNpxNames(): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const f of [...tracked].filter((p) => /(^|\/)README\.md$/.test(p))) {
    for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(
      /\bnpx\s+(?:--?[\w-]+\s+)*([@a-z][\w@/.-]*)/g,
    )) {
      names.set(m[1], [...(names.get(m[1]) ?? []), f]);
    }
  }
  return names;
}

describe('README commands run what the repository installs', () => {
  it('every workspace bin is a committed file, so npm ci links it before anything is built', () => {
    expect(workspaceBins.map((b) => b.name)).toEqual(
      expect.arrayContaining(['homeostat-detect', 'homeostat-remediate']),
    );
    for (const b of workspaceBins) {
      const file = `${b.ws}/${b.target.replace(/^\.\//, '')}`;
      expect([b.name, file, tracked.has(file) && !file.includes('dist/')]).toEqual([b.name, file, true]);
    }
  });

  it("every name a README runs with npx is this repository's bin or an installed dependency's", () => {
    const names = readmeNpxNames();
    expect([...names.keys()]).toContain('homeostat-detect');
    for (const [name, files] of names) {
      const local =
        workspaceBins.some((b) => b.name === name) || existsSync(join(ROOT, 'node_modules', '.bin', name));
      expect([name, files, local]).toEqual([name, files, true]);
    }
  });

  it('on a fresh install, before the build, the bins are linked and say to build first', () => {
    // a copy of the workspaces' bins as a clean clone has them (no dist/), installed offline
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-fresh-'));
    try {
      const wss = [...new Set(workspaceBins.map((b) => b.ws))];
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'fresh', private: true, workspaces: wss }),
      );
      for (const ws of wss) {
        const pkg = workspaceBins.find((b) => b.ws === ws)!.pkg;
        mkdirSync(join(dir, ws), { recursive: true });
        writeFileSync(
          join(dir, ws, 'package.json'),
          JSON.stringify({ name: pkg.name, version: '0.0.0', bin: pkg.bin }),
        );
      }
      for (const b of workspaceBins) {
        const to = join(dir, b.ws, b.target);
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(join(ROOT, b.ws, b.target), to);
      }
      const install = spawnSync(
        'npm',
        ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
        {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, ...NO_REGISTRY },
          timeout: 120_000,
        },
      );
      expect(install.status).toBe(0);
      for (const b of workspaceBins) {
        const r = npx(dir, [b.name, '--help']);
        expect([b.name, r.status, r.stderr.trim()]).toEqual([
          b.name,
          1,
          expect.stringMatching(/^[^\n]*run npm run build first$/),
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("after npm run build, README's replay example runs verbatim through npx", () => {
    const out = join(mkdtempSync(join(tmpdir(), 'homeostat-npx-')), 'scores.csv');
    const input = 'detector/samples/cpu-spike.csv';
    const r = npx(ROOT, ['homeostat-detect', 'replay', '--input', input, '--output', out]);
    expect([r.status, r.stderr]).toEqual([0, expect.stringContaining('rows scored')]);
    const rows = (f: string) => readFileSync(f, 'utf8').trim().split(/\r?\n/);
    expect(rows(out)[0]).toBe('timestamp,anomaly_score,is_anomaly,top_feature');
    expect(rows(out)).toHaveLength(rows(join(ROOT, input)).length);
    rmSync(dirname(out), { recursive: true, force: true });
  });

  it('the remediator bin runs the built CLI too', () => {
    const r = npx(ROOT, ['homeostat-remediate']);
    expect([r.status, r.stderr.trim()]).toEqual([
      2,
      expect.stringMatching(/^homeostat-remediate: usage: homeostat-remediate serve/),
    ]);
  });
});
