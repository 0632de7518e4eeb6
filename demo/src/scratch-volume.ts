import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoError } from './errors';

/**
 * A backend's scratch volume: the directory its temporary files go to (the disk fault's among
 * them), like a pod's emptyDir. Its usage is what an SRE watches (kubelet_volume_stats_used_bytes,
 * container_fs_usage_bytes), so it is measured on disk, whatever wrote the files.
 *
 * A configured dir is used as it is and left in place on close; give each replica its own, or
 * their usage adds up. Without one, each process gets a fresh dir in the OS temp dir and removes
 * it when it closes or exits: the OS temp dir itself is shared with everything else on the host,
 * and a restarted process starts on an empty volume, as a restarted pod does on a new emptyDir.
 */
export class ScratchVolume {
  private readonly removeOnExit: (() => void) | null;

  private constructor(
    /** Absolute or relative path of the volume's directory. */
    readonly dir: string,
    owned: boolean,
  ) {
    this.removeOnExit = owned ? () => rmSync(dir, { recursive: true, force: true }) : null;
    // a crash (process.exit) skips close(); the dir must still go
    if (this.removeOnExit) process.once('exit', this.removeOnExit);
  }

  /** Opens `dir` (created if missing) or, without one, a fresh per-process dir named after `service`. */
  static open(dir: string | undefined, service: string): ScratchVolume {
    try {
      if (dir === undefined)
        return new ScratchVolume(mkdtempSync(join(tmpdir(), `homeostat-scratch-${service}-`)), true);
      mkdirSync(dir, { recursive: true });
      return new ScratchVolume(dir, false);
    } catch (e) {
      // a read-only root filesystem without a writable /tmp lands here: say which setting to give
      const what = dir ?? `no scratchDir given and the OS temp dir ${tmpdir()} is not writable`;
      throw new DemoError('BAD_CONFIG', `scratchDir: ${what}: ${(e as Error).message}`, 400, 'scratchDir', e);
    }
  }

  /**
   * Bytes allocated on disk to everything under the dir (files and subdirectories, in 512-byte
   * blocks as du counts them; the dir itself not, so an empty volume reads 0). An entry removed
   * while it is walked counts 0: the writers keep writing and deleting during a scrape.
   */
  async usedBytes(): Promise<number> {
    return usage(this.dir);
  }

  /** Removes a dir this process created; a configured dir and its files are left alone. */
  close(): void {
    if (!this.removeOnExit) return;
    process.removeListener('exit', this.removeOnExit);
    this.removeOnExit();
  }
}

async function usage(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const e of entries) {
    const path = join(dir, e.name);
    try {
      total += (await lstat(path)).blocks * 512;
    } catch {
      continue;
    }
    if (e.isDirectory()) total += await usage(path);
  }
  return total;
}
