import { z } from 'zod';
import type { ConnectionPool } from '../connection-pool';
import type { FaultDefinition } from '../fault-scheduler';

export const PoolExhaustionParams = z.object({
  /** Connections to hold; all of them by default. */
  connections: z.number().int().positive().optional(),
});
export type PoolExhaustionParams = z.infer<typeof PoolExhaustionParams>;

/** Holds database connections as a leaking code path would, until stopped. */
export function poolExhaustionFault(pool: ConnectionPool): FaultDefinition<PoolExhaustionParams> {
  return {
    name: 'pool-exhaustion',
    params: PoolExhaustionParams,
    defaultDurationSeconds: 60,
    maxDurationSeconds: 600,
    start({ connections }) {
      const want = Math.min(connections ?? pool.size, pool.size);
      const held: Array<() => void> = [];
      let stopped = false;
      // grab each connection as soon as it is free; keep trying until stopped
      const grab = (): void => {
        if (stopped || held.length >= want) return;
        pool.acquire(1000).then(
          (release) => {
            if (stopped) release();
            else held.push(release);
            grab();
          },
          () => grab(),
        );
      };
      for (let i = 0; i < want; i++) grab();
      return {
        stop() {
          stopped = true;
          for (const r of held.splice(0)) r();
        },
      };
    },
  };
}
