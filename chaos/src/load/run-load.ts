import autocannon from 'autocannon';
import { ChaosError } from '../errors';
import { LoadRecorder } from './load-recorder';
import { MAX_RPS, requestBudget, type LoadStage } from './load-profiles';

export interface LoadTarget {
  /** Base URL of the gateway; only loopback is allowed. */
  url: string;
  /** Paths requested in turn (one per backend by default). */
  paths: string[];
}

export interface LoadHandle {
  recorder: LoadRecorder;
  /** Resolves when every stage has run (or stop() was called). */
  done: Promise<LoadSummary>;
  stop(): void;
}

export interface LoadSummary {
  requests: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

/** Refuses anything but 127.0.0.1 / localhost: load never leaves the machine. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
    throw new ChaosError('INVALID_ARGUMENT', `load target ${url} is not on loopback; only 127.0.0.1 is allowed`, {
      field: 'url',
    });
  }
}

/**
 * Plays the stages one after the other with autocannon at a fixed overall rate each, bounded by
 * both the stage's duration and its request count, and records every answer by second.
 */
export function runLoad(target: LoadTarget, stages: readonly LoadStage[], recorder = new LoadRecorder()): LoadHandle {
  assertLoopback(target.url);
  if (stages.some((s) => s.rps > MAX_RPS || s.rps <= 0)) {
    throw new ChaosError('INVALID_ARGUMENT', `stage rates must be within 1..${MAX_RPS} rps`, { field: 'rps' });
  }
  let stopped = false;
  let current: autocannon.Instance | null = null;
  const started = Date.now();
  const done = (async (): Promise<LoadSummary> => {
    for (const stage of stages) {
      if (stopped) break;
      await new Promise<void>((resolve, reject) => {
        const inst = autocannon(
          {
            url: target.url,
            // enough sockets to keep the rate while answers take up to ~500 ms: with too few, a slow
            // service would lower the offered load (coordinated omission) and hide its own effect
            connections: Math.min(500, Math.max(10, Math.ceil(stage.rps / 2))),
            overallRate: stage.rps,
            duration: stage.seconds,
            // both bounds: the stage stops at its duration or its request budget, whichever comes first
            maxOverallRequests: requestBudget([stage]),
            timeout: 5,
            requests: target.paths.map((path) => ({ method: 'GET', path })),
          },
          (err) => (err ? reject(err) : resolve()),
        );
        current = inst;
        inst.on('response', (_client, statusCode, _bytes, responseTime) => recorder.response(statusCode, responseTime));
        inst.on('reqError', (e: Error) => recorder.failure(/timed out/.test(e.message)));
      });
      current = null;
    }
    const b = recorder.buckets();
    return {
      requests: b.reduce((s, x) => s + x.requests, 0),
      errors: b.reduce((s, x) => s + x.errors, 0),
      timeouts: b.reduce((s, x) => s + x.timeouts, 0),
      seconds: (Date.now() - started) / 1000,
    };
  })();
  return {
    recorder,
    done,
    stop() {
      stopped = true;
      (current as autocannon.Instance | null)?.stop();
    },
  };
}
