import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir } from '@homeostat/testkit';
import { DeployError } from './errors';

/**
 * A minimal image holding this machine's Node.js and the shared libraries it links, made with
 * `docker import` (nothing can be pulled here). Enough to run `node -e <script>` in a container.
 */
export function importNodeImage(tag: string): void {
  const root = makeTempDir('node-rootfs');
  try {
    const node = process.execPath;
    const files = [node, ...execFileSync('ldd', [node], { encoding: 'utf8' }).match(/\/\S+/g)!];
    for (const f of files) {
      mkdirSync(join(root, dirname(f)), { recursive: true });
      copyFileSync(f, join(root, f));
    }
    mkdirSync(join(root, 'tmp'), { recursive: true });
    execFileSync('sh', ['-c', `tar -C "${root}" -c . | docker import - "${tag}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new DeployError('TOOL_FAILED', `cannot build the test image ${tag}: ${(e as Error).message}`, { cause: e });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function docker(...args: string[]): string {
  try {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new DeployError('TOOL_FAILED', `docker ${args[0]}: ${String(err.stderr ?? err.message).trim()}`, { cause: e });
  }
}
