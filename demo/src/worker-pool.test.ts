import { DemoError } from './errors';
import { WorkerPool } from './worker-pool';

describe('WorkerPool', () => {
  afterEach(() => jest.useRealTimers());

  it('runs at most `size` at once and hands a freed worker to the next waiter', async () => {
    const pool = new WorkerPool({ size: 2, queueLimit: 10, queueTimeoutMs: 1000 });
    const r1 = await pool.acquire();
    await pool.acquire();
    let third = false;
    const p3 = pool.acquire().then((r) => {
      third = true;
      return r;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    expect(pool.active).toBe(2);
    expect(pool.queued).toBe(1);
    r1();
    r1(); // a double release must not free a second worker
    const r3 = await p3;
    expect(third).toBe(true);
    expect(pool.active).toBe(2);
    expect(pool.queued).toBe(0);
    r3();
    expect(pool.active).toBe(1);
  });

  it('sheds load with OVERLOADED (503) when the queue is full', async () => {
    const pool = new WorkerPool({ size: 1, queueLimit: 1, queueTimeoutMs: 1000 });
    await pool.acquire();
    void pool.acquire().catch(() => {});
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'OVERLOADED', statusCode: 503 });
  });

  it('gives up after the queue timeout', async () => {
    jest.useFakeTimers();
    const pool = new WorkerPool({ size: 1, queueLimit: 5, queueTimeoutMs: 200 });
    await pool.acquire();
    const waiting = pool.acquire();
    jest.advanceTimersByTime(201);
    await expect(waiting).rejects.toBeInstanceOf(DemoError);
    expect(pool.queued).toBe(0);
  });

  it('refuses a pool without workers', () => {
    expect(() => new WorkerPool({ size: 0, queueLimit: 1, queueTimeoutMs: 1 })).toThrow(/>= 1/);
  });
});
