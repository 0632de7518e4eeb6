export interface CacheOptions {
  maxEntries: number;
  ttlMs: number;
  enabled?: boolean;
  now?: () => number;
}

/**
 * An LRU cache with a TTL that can be switched off at run time (the remediator's "cache" action
 * and the admin API toggle it). Switched off, every read misses and the database pool carries all
 * the load, so latency and pool usage rise measurably.
 */
export class Cache<V> {
  private readonly map = new Map<string, { value: V; expiresAt: number }>();
  private on: boolean;
  hits = 0;
  misses = 0;

  constructor(private readonly opts: CacheOptions) {
    this.on = opts.enabled ?? true;
  }

  get enabled(): boolean {
    return this.on;
  }
  get entries(): number {
    return this.map.size;
  }

  setEnabled(enabled: boolean): void {
    this.on = enabled;
    if (!enabled) this.map.clear();
  }

  get(key: string): V | undefined {
    if (!this.on) {
      this.misses++;
      return undefined;
    }
    const e = this.map.get(key);
    if (!e || e.expiresAt <= this.now()) {
      if (e) this.map.delete(key);
      this.misses++;
      return undefined;
    }
    // re-insert to mark as most recently used (Map keeps insertion order)
    this.map.delete(key);
    this.map.set(key, e);
    this.hits++;
    return e.value;
  }

  set(key: string, value: V): void {
    if (!this.on) return;
    this.map.delete(key);
    this.map.set(key, { value, expiresAt: this.now() + this.opts.ttlMs });
    while (this.map.size > this.opts.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
