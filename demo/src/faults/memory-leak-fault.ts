import { z } from 'zod';
import type { FaultDefinition } from '../fault-scheduler';

export const MemoryLeakParams = z.object({
  mbPerSecond: z.number().positive().max(100).default(10),
  /** The leak stops growing here, so the demo never takes the machine down. */
  maxMb: z.number().positive().max(1024).default(256),
});
export type MemoryLeakParams = z.infer<typeof MemoryLeakParams>;

const TICK_MS = 100;

/** Retains buffers at a steady rate, like a cache that never evicts; stop() lets them be collected. */
export function memoryLeakFault(
  onBytes: (bytes: number) => void = () => {},
): FaultDefinition<MemoryLeakParams> {
  return {
    name: 'memory-leak',
    params: MemoryLeakParams,
    defaultDurationSeconds: 120,
    maxDurationSeconds: 900,
    start({ mbPerSecond, maxMb }) {
      let leaked: Buffer[] = [];
      let bytes = 0;
      const max = maxMb * 1024 * 1024;
      const step = Math.max(1, Math.round((mbPerSecond * 1024 * 1024 * TICK_MS) / 1000));
      const timer = setInterval(() => {
        if (bytes >= max) return;
        const n = Math.min(step, max - bytes);
        // fill() touches every page, so the leak shows in resident memory, not only in the heap
        leaked.push(Buffer.allocUnsafe(n).fill(0x5a));
        bytes += n;
        onBytes(bytes);
      }, TICK_MS);
      timer.unref();
      return {
        stop() {
          clearInterval(timer);
          leaked = [];
          bytes = 0;
          onBytes(0);
        },
      };
    },
  };
}
