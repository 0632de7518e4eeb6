import { z } from 'zod';
import type { FaultDefinition } from '../fault-scheduler';

export const CrashParams = z.object({
  exitCode: z.number().int().min(1).max(255).default(1),
  /** Lets the admin response reach the caller before the process dies. */
  delayMs: z.number().int().min(0).max(10_000).default(100),
});
export type CrashParams = z.infer<typeof CrashParams>;

/** Exits the process with a non-zero code; the ground truth window starts at the request. */
export function crashFault(exit: (code: number) => void): FaultDefinition<CrashParams> {
  return {
    name: 'crash',
    params: CrashParams,
    // the window is the planned outage the experiment watches; the process itself is gone
    defaultDurationSeconds: 60,
    maxDurationSeconds: 600,
    start({ exitCode, delayMs }) {
      const t = setTimeout(() => exit(exitCode), delayMs);
      return { stop: () => clearTimeout(t) };
    },
  };
}
