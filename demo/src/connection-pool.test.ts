import { ConnectionPool } from './connection-pool';

describe('ConnectionPool', () => {
  afterEach(() => jest.useRealTimers());

  it('holds a connection for the duration of a query and returns it', async () => {
    const pool = new ConnectionPool({ size: 2, acquireTimeoutMs: 100 });
    let during = -1;
    await pool.withConnection(async () => {
      during = pool.used;
    });
    expect(during).toBe(1);
    expect(pool.used).toBe(0);
  });

  it('returns the connection even when the query throws', async () => {
    const pool = new ConnectionPool({ size: 1, acquireTimeoutMs: 100 });
    await expect(pool.withConnection(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(pool.used).toBe(0);
  });

  it('fails with POOL_TIMEOUT (503) when every connection stays held', async () => {
    jest.useFakeTimers();
    const pool = new ConnectionPool({ size: 1, acquireTimeoutMs: 500 });
    await pool.acquire();
    const waiting = pool.acquire();
    expect(pool.waiting).toBe(1);
    jest.advanceTimersByTime(501);
    await expect(waiting).rejects.toMatchObject({ code: 'POOL_TIMEOUT', statusCode: 503 });
    expect(pool.waiting).toBe(0);
  });

  it('passes a released connection to the oldest waiter', async () => {
    const pool = new ConnectionPool({ size: 1, acquireTimeoutMs: 1000 });
    const release = await pool.acquire();
    const order: number[] = [];
    const a = pool.acquire().then((r) => (order.push(1), r));
    const b = pool.acquire().then((r) => (order.push(2), r));
    release();
    (await a)();
    (await b)();
    expect(order).toEqual([1, 2]);
    expect(pool.used).toBe(0);
  });
});
