import { DemoError } from './errors';

export interface ConnectionPoolOptions {
  size: number;
  /** How long a query waits for a connection before failing, like a JDBC pool's checkout timeout. */
  acquireTimeoutMs: number;
}

interface Waiter {
  resolve: (release: () => void) => void;
  timer: NodeJS.Timeout;
}

/**
 * A simulated database connection pool. Queries hold a connection for their duration; when all
 * are held (slow queries, or the pool-exhaustion fault holding them) callers wait and then fail
 * with POOL_TIMEOUT, which is how pool exhaustion shows up in a real service.
 */
export class ConnectionPool {
  private inUse = 0;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly opts: ConnectionPoolOptions) {
    if (opts.size < 1)
      throw new DemoError('BAD_CONFIG', 'connection pool size must be >= 1', 400, 'dbPoolSize');
  }

  get size(): number {
    return this.opts.size;
  }
  get used(): number {
    return this.inUse;
  }
  get waiting(): number {
    return this.waiters.length;
  }

  acquire(timeoutMs = this.opts.acquireTimeoutMs): Promise<() => void> {
    if (this.inUse < this.opts.size) {
      this.inUse++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new DemoError('POOL_TIMEOUT', `no database connection free within ${timeoutMs} ms`, 503));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Runs `fn` holding one connection. */
  async withConnection<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) {
        clearTimeout(next.timer);
        next.resolve(this.releaser());
      } else {
        this.inUse--;
      }
    };
  }
}
