import { Cache } from './cache';

describe('Cache', () => {
  it('hits after a set and misses after the TTL', () => {
    let now = 1000;
    const c = new Cache<number>({ maxEntries: 10, ttlMs: 100, now: () => now });
    expect(c.get('a')).toBeUndefined();
    c.set('a', 1);
    expect(c.get('a')).toBe(1);
    now += 101;
    expect(c.get('a')).toBeUndefined();
    expect([c.hits, c.misses]).toEqual([1, 2]);
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const c = new Cache<number>({ maxEntries: 2, ttlMs: 10_000 });
    c.set('a', 1);
    c.set('b', 2);
    c.get('a'); // a is now the most recent
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
  });

  it('switched off, misses every read, stores nothing and drops what it had', () => {
    const c = new Cache<number>({ maxEntries: 10, ttlMs: 10_000 });
    c.set('a', 1);
    c.setEnabled(false);
    expect(c.entries).toBe(0);
    c.set('b', 2);
    expect(c.get('b')).toBeUndefined();
    c.setEnabled(true);
    expect(c.get('a')).toBeUndefined();
  });
});
