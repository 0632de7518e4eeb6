import { RemediatorError } from '../errors';

/** What a roll over replicas or containers did before it stopped, each named as its actuator names it. */
export interface RollOutcome {
  restarted: readonly string[];
  /** Each with the reason it failed: `name (message)`. */
  failed: readonly string[];
  notTouched: readonly string[];
}

/**
 * The error of a restart roll that stopped (process-roll.ts, docker-restart.ts): one wording for
 * both actuators, so the audit log and the on-call read the same sentence whatever runs the service.
 */
export function rollError(what: string, o: RollOutcome, why?: string, cause?: unknown): RemediatorError {
  const parts = [
    `restarted ${o.restarted.length ? o.restarted.join(', ') : 'none'}`,
    ...(o.failed.length ? [`failed ${o.failed.join('; ')}`] : []),
    ...(o.notTouched.length ? [`not restarted ${o.notTouched.join(', ')}`] : []),
  ];
  return new RemediatorError(
    'ACTUATOR_FAILED',
    `${what}${why ? ` stopped: ${why}` : ''}: ${parts.join('; ')}`,
    {
      cause,
    },
  );
}

/** `name (why)` for RollOutcome.failed. */
export function failedEntry(name: string, e: unknown): string {
  return `${name} (${e instanceof Error ? e.message : String(e)})`;
}
