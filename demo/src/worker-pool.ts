import { DemoError } from './errors';

export interface WorkerPoolOptions {
  /** Requests processed at once (like a thread pool of a JVM service). */
  size: number;
  /** Requests allowed to wait for a worker; beyond it the service sheds load with 503. */
  queueLimit: number;
  /** How long a request may wait for a worker before it gives up with 503. */
  queueTimeoutMs: number;
}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A bounded worker pool: at most `size` requests run, `queueLimit` wait, the rest are refused.
 * This is what makes latency grow with load (queueing) and errors appear under overload, the way
 * a real service with a fixed thread pool behaves.
 */
export class WorkerPool {
  private busy = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly opts: WorkerPoolOptions) {
    if (opts.size < 1) throw new DemoError('BAD_CONFIG', 'worker pool size must be >= 1', 400, 'workers');
  }

  get active(): number {
    return this.busy;
  }
  get queued(): number {
    return this.queue.length;
  }
  get size(): number {
    return this.opts.size;
  }

  /** Resolves with a release function once a worker is free; rejects with OVERLOADED otherwise. */
  acquire(): Promise<() => void> {
    if (this.busy < this.opts.size) {
      this.busy++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.opts.queueLimit) {
      return Promise.reject(new DemoError('OVERLOADED', 'worker queue is full', 503));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new DemoError('OVERLOADED', `no worker free within ${this.opts.queueTimeoutMs} ms`, 503));
        }, this.opts.queueTimeoutMs),
      };
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) {
        clearTimeout(next.timer);
        next.resolve(this.releaser()); // the worker passes straight to the next waiter
      } else {
        this.busy--;
      }
    };
  }
}
