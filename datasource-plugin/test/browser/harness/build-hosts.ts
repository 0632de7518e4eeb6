import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Plugin, build } from 'esbuild';

/** The two runtimes the same dist/ is proven against. */
export const PROFILES = {
  'grafana-11.6': {
    /** Grafana 11.6 + React 18: the workspace's own @grafana/* (the typing floor). */
    nodeModules: undefined as string | undefined,
    extras: 'profile-grafana-11.ts',
  },
  'grafana-13.2': {
    /** Grafana 13.2 + React 19: installed nested under @homeostat/grafana-13-runtime. */
    nodeModules: 'node_modules/@homeostat/grafana-13-runtime/node_modules',
    extras: 'profile-grafana-13.ts',
  },
} as const;
export type ProfileName = keyof typeof PROFILES;

const repoRoot = join(__dirname, '../../../..');
const hostDir = join(__dirname, '../host');

/** Every package installed in a folder, scoped ones included, mapped to its path. */
function packagesIn(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) {
      continue;
    }
    if (name.startsWith('@')) {
      for (const sub of readdirSync(join(dir, name))) {
        out[`${name}/${sub}`] = join(dir, name, sub);
      }
    } else {
      out[name] = join(dir, name);
    }
  }
  return out;
}

function versionOf(pkgDir: string): string {
  return (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Resolves every bare import of a package that the profile installs nested as if it were imported
 * from the profile package itself (exports maps and browser fields still apply), so its copies, and
 * React 19 in particular, win over the workspace's hoisted ones.
 */
function preferNested(profileDir: string, nestedPackages: Record<string, string>): Plugin {
  return {
    name: 'prefer-nested-profile',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'nested') {
          return undefined;
        }
        const parts = args.path.split('/');
        const name = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
        if (!nestedPackages[name]) {
          return undefined;
        }
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: profileDir, pluginData: 'nested' });
        return r.errors.length ? { errors: r.errors } : { path: r.path, external: r.external, sideEffects: r.sideEffects };
      });
    },
  };
}

/**
 * Grafana's .mjs files default-import react-use's CommonJS `lib/` hooks; under Node's ESM rules
 * (which esbuild applies to .mjs) that yields the module object, not the hook. Webpack, which
 * Grafana uses, interops them; here the same hooks are taken from react-use's ESM build.
 */
const reactUseEsm: Plugin = {
  name: 'react-use-esm',
  setup(b) {
    b.onResolve({ filter: /^react-use\/lib\// }, (args) =>
      b.resolve(args.path.replace('react-use/lib/', 'react-use/esm/'), { kind: args.kind, resolveDir: args.resolveDir })
    );
  },
};

/**
 * Bundles the host page for one profile into outDir/<profile>.js. For the 13.2 profile every
 * package of the nested install is aliased, so Grafana 13.2's modules and their React 19 are used
 * wherever the bundle imports them, as a 13.2 server would provide them.
 */
export async function buildHost(profile: ProfileName, outDir: string): Promise<{ file: string; grafana: string; react: string }> {
  mkdirSync(outDir, { recursive: true });
  const p = PROFILES[profile];
  const nested = p.nodeModules ? join(repoRoot, p.nodeModules) : undefined;
  if (nested && !existsSync(nested)) {
    throw new Error(`${nested} missing: run npm ci at the repository root`);
  }
  const alias: Record<string, string> = { 'homeostat-host-profile': join(hostDir, p.extras) };
  const nestedPackages = nested ? packagesIn(nested) : {};
  const pkgDir = (name: string) => nestedPackages[name] ?? join(repoRoot, 'node_modules', name);
  const grafana = versionOf(pkgDir('@grafana/data'));
  const react = versionOf(pkgDir('react'));
  const file = join(outDir, `${profile}.js`);
  await build({
    entryPoints: [join(hostDir, 'host-entry.tsx')],
    bundle: true,
    outfile: file,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'transform',
    minify: false,
    sourcemap: false,
    logLevel: 'error',
    alias,
    plugins: [reactUseEsm, ...(nested ? [preferNested(join(nested, '..'), nestedPackages)] : [])],
    nodePaths: [join(repoRoot, 'node_modules')],
    define: {
      'process.env.NODE_ENV': '"production"',
      'process.env.HOST_GRAFANA_VERSION': JSON.stringify(grafana),
      global: 'globalThis',
    },
    loader: { '.css': 'empty', '.svg': 'empty', '.woff': 'empty', '.woff2': 'empty', '.png': 'empty', '.ttf': 'empty' },
  });
  return { file, grafana, react };
}
