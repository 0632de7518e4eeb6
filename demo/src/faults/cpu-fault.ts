import { Worker } from 'node:worker_threads';
import { cpus } from 'node:os';
import { z } from 'zod';
import type { FaultDefinition } from '../fault-scheduler';

// Burns CPU in worker threads so the process's own CPU time rises (what process_cpu_seconds_total
// measures) while the event loop keeps answering, slowed by contention like a real hot loop would.
// Duty cycle per 100 ms slice: busy for utilization * 100 ms, then sleep.
const BURNER = `
const { workerData } = require('node:worker_threads');
const sab = new Int32Array(new SharedArrayBuffer(4));
const busyMs = Math.round(workerData.utilization * 100);
for (;;) {
  const until = Date.now() + busyMs;
  let x = 0;
  while (Date.now() < until) { x += Math.sqrt(x + 1); }
  if (busyMs < 100) Atomics.wait(sab, 0, 0, 100 - busyMs);
}`;

export const CpuParams = z.object({
  /** Cores to burn; bounded by the machine's core count. */
  cores: z.number().int().min(1).max(Math.max(1, cpus().length)).default(1),
  /** Share of each burned core, 0.1-1. The default 0.95 keeps the spike above 80 % of a core. */
  utilization: z.number().min(0.1).max(1).default(0.95),
});
export type CpuParams = z.infer<typeof CpuParams>;

export const cpuFault: FaultDefinition<CpuParams> = {
  name: 'cpu',
  params: CpuParams,
  defaultDurationSeconds: 60,
  maxDurationSeconds: 600,
  start({ cores, utilization }) {
    const workers = Array.from(
      { length: cores },
      () => new Worker(BURNER, { eval: true, workerData: { utilization } }),
    );
    for (const w of workers) w.unref();
    return {
      async stop() {
        await Promise.all(workers.map((w) => w.terminate()));
      },
    };
  },
};
