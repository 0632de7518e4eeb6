import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { FaultDefinition } from '../fault-scheduler';

export const DiskParams = z.object({
  mbPerSecond: z.number().positive().max(200).default(20),
  /** Bounded: never writes more than this, whatever the duration. */
  maxMb: z.number().positive().max(2048).default(256),
});
export type DiskParams = z.infer<typeof DiskParams>;

const CHUNK = 1024 * 1024;
const TICK_MS = 100;

/**
 * Fills a fresh temp directory with synced 1 MiB files at a steady rate (disk saturation: the
 * writes compete with the service's own I/O) and removes the directory on stop.
 */
export function diskFault(
  opts: { baseDir?: string; onBytes?: (bytes: number) => void } = {},
): FaultDefinition<DiskParams> {
  const onBytes = opts.onBytes ?? (() => {});
  return {
    name: 'disk',
    params: DiskParams,
    defaultDurationSeconds: 60,
    maxDurationSeconds: 600,
    start({ mbPerSecond, maxMb }) {
      const dir = mkdtempSync(join(opts.baseDir ?? tmpdir(), 'homeostat-disk-fault-'));
      // the files go even when the process exits mid-fault (the crash fault, process.exit)
      const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
      process.once('exit', removeOnExit);
      const chunk = Buffer.alloc(CHUNK, 0x61);
      const max = maxMb * CHUNK;
      let written = 0;
      let credit = 0;
      let writing = false;
      let stopped = false;
      let file = 0;
      const timer = setInterval(() => {
        credit += (mbPerSecond * CHUNK * TICK_MS) / 1000;
        if (writing || stopped) return;
        writing = true;
        void (async () => {
          try {
            while (!stopped && credit >= 1 && written < max) {
              const n = Math.min(CHUNK, max - written, Math.floor(credit));
              const fh = await open(join(dir, `fill-${file++}.bin`), 'w');
              try {
                await fh.write(chunk, 0, n);
                await fh.sync();
              } finally {
                await fh.close();
              }
              written += n;
              credit -= n;
              if (!stopped) onBytes(written);
            }
            if (written >= max) credit = 0;
          } catch {
            // disk full or dir removed by stop(): the fault simply stops writing
          } finally {
            writing = false;
          }
        })();
      }, TICK_MS);
      timer.unref();
      return {
        stop() {
          stopped = true;
          clearInterval(timer);
          process.removeListener('exit', removeOnExit);
          rmSync(dir, { recursive: true, force: true });
          onBytes(0);
        },
      };
    },
  };
}
