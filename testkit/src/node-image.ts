import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from './daemon';

const run = promisify(execFile);

export interface NodeImageOptions {
  /** Image tag, e.g. `homeostat/node-test:1`. Reused when it exists with the same inputs. */
  tag: string;
  /** Host files or directories copied into the image: `{ '/app/server.js': '/abs/host/server.js' }`. */
  files?: Record<string, string>;
  /** Inline files written into the image: `{ '/app/config.json': '{...}' }`. */
  contents?: Record<string, string>;
  /** Image WORKDIR (default /app) and default CMD (default ["node"]). */
  workdir?: string;
  cmd?: string[];
  env?: Record<string, string>;
  /** The node binary to ship (default: the one running this process). */
  nodeBinary?: string;
  /** Rebuild even when an image with the same inputs exists. */
  rebuild?: boolean;
}

const INPUTS_ENV = 'HOMEOSTAT_IMAGE_INPUTS';

/** Shared libraries `ldd` lists for a binary, including the dynamic loader (absolute paths). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const libs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.add(m[1]);
  }
  return [...libs];
}

function hashInputs(o: NodeImageOptions, node: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ ...o, rebuild: false, node, nodeSize: statSync(node).size }));
  const addPath = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      h.update(`dir:${p}:${st.mtimeMs}`);
    } else {
      h.update(readFileSync(p));
    }
  };
  for (const host of Object.values(o.files ?? {})) addPath(host);
  return h.digest('hex').slice(0, 16);
}

async function existingInputs(tag: string): Promise<string | null> {
  try {
    const { stdout } = await run('docker', ['image', 'inspect', '--format', '{{json .Config.Env}}', tag]);
    const env = JSON.parse(stdout.trim()) as string[] | null;
    return env?.find((e) => e.startsWith(`${INPUTS_ENV}=`))?.slice(INPUTS_ENV.length + 1) ?? null;
  } catch {
    return null;
  }
}

/**
 * Builds a Docker image without pulling anything: a rootfs holding the node binary, the shared
 * libraries `ldd` lists for it and the given app files, packed with tar and loaded by
 * `docker import`. The image is cached by tag: a second call with the same inputs returns at once.
 * Run containers from it with `--network host` (this machine has no bridge network).
 */
export async function buildNodeImage(o: NodeImageOptions): Promise<string> {
  const node = realpathSync(o.nodeBinary ?? process.execPath);
  const inputs = hashInputs(o, node);
  if (!o.rebuild && (await existingInputs(o.tag)) === inputs) return o.tag;
  const root = makeTempDir('rootfs');
  try {
    const put = (dest: string, src: string): void => {
      const target = join(root, dest);
      mkdirSync(dirname(target), { recursive: true });
      if (statSync(src).isDirectory()) cpSync(src, target, { recursive: true, dereference: true });
      else copyFileSync(src, target);
    };
    put('/usr/local/bin/node', node);
    for (const lib of await sharedLibraries(node)) {
      put(lib, realpathSync(lib)); // keep the path the loader asks for, with the real file's bytes
    }
    for (const d of ['tmp', 'etc', o.workdir ?? '/app']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(
      join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    );
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    for (const [dest, src] of Object.entries(o.files ?? {})) put(dest, src);
    for (const [dest, text] of Object.entries(o.contents ?? {})) {
      mkdirSync(dirname(join(root, dest)), { recursive: true });
      writeFileSync(join(root, dest), text);
    }
    const env = { PATH: '/usr/local/bin:/usr/bin:/bin', ...(o.env ?? {}), [INPUTS_ENV]: inputs };
    const changes = [
      ...Object.entries(env).map(([k, v]) => `ENV ${k}=${v}`),
      `WORKDIR ${o.workdir ?? '/app'}`,
      `CMD ${JSON.stringify(o.cmd ?? ['node'])}`,
    ].flatMap((c) => ['--change', c]);
    await new Promise<void>((resolve, reject) => {
      const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const imp = spawn('docker', ['import', ...changes, '-', o.tag], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
      imp.stderr.on('data', (d: Buffer) => (err += d.toString()));
      tar.stdout.pipe(imp.stdin);
      imp.on('error', reject);
      imp.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`docker import ${o.tag} failed (${code}): ${err.trim()}`)),
      );
    });
    return o.tag;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
