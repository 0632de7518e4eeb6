import type { Clock } from '../../src/engine/clock';

/** A Clock that only moves when the test says so: cooldowns of an hour pass in one call. */
export class ManualClock implements Clock {
  private t: number;
  private waiting: { at: number; fire: () => void; id: number }[] = [];
  private seq = 0;

  constructor(start = Date.UTC(2026, 11, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        cancel();
        resolve();
      };
      const cancel = this.timer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  timer(fn: () => void, ms: number): () => void {
    const id = ++this.seq;
    this.waiting.push({ at: this.t + Math.max(0, ms), fire: fn, id });
    return () => {
      this.waiting = this.waiting.filter((w) => w.id !== id);
    };
  }

  /** Moves time forward, firing what falls due in order. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const due = this.waiting.filter((w) => w.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.waiting = this.waiting.filter((w) => w.id !== due.id);
      this.t = Math.max(this.t, due.at);
      due.fire();
    }
    this.t = until;
  }

  pending(): number {
    return this.waiting.length;
  }
}

/**
 * Advances the clock in steps, letting real I/O (SQLite, HTTP to Alertmanager) run between them,
 * until `done()` holds. Bounded: fails after `maxSteps`.
 */
export async function driveUntil(
  clock: ManualClock,
  done: () => boolean,
  { stepMs = 1000, maxSteps = 2000 } = {},
): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    if (done()) return;
    clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 2));
  }
  if (!done()) throw new Error(`condition not reached after ${maxSteps} steps of ${stepMs} ms`);
}
