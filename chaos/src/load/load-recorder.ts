import { percentile } from '../metrics/percentile';

/** What users saw during one second of load. */
export interface LoadBucket {
  /** Start of the second, Unix ms. */
  t: number;
  requests: number;
  /** Non-2xx/3xx answers, timeouts and connection errors. */
  errors: number;
  timeouts: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

interface Second {
  requests: number;
  errors: number;
  timeouts: number;
  latencies: number[];
}

/**
 * Buckets every response (and every failed request) of the load generator by second, so the runner
 * can evaluate the steady state over a sliding window and the report can chart user-visible effects.
 */
export class LoadRecorder {
  private readonly seconds = new Map<number, Second>();

  constructor(private readonly now: () => number = Date.now) {}

  response(statusCode: number, latencyMs: number): void {
    const s = this.bucket();
    s.requests++;
    if (statusCode < 200 || statusCode >= 400) s.errors++;
    s.latencies.push(Math.round(latencyMs * 10) / 10);
  }

  failure(timeout: boolean): void {
    const s = this.bucket();
    s.requests++;
    s.errors++;
    if (timeout) s.timeouts++;
  }

  /** Error ratio, availability and latency percentiles over the last `windowSeconds` complete seconds. */
  window(windowSeconds: number, at = this.now()): { requests: number; errorRatio: number | null; p95Ms: number | null; p99Ms: number | null } {
    const end = Math.floor(at / 1000) * 1000; // exclude the second in progress
    let requests = 0;
    let errors = 0;
    const lat: number[] = [];
    for (let t = end - windowSeconds * 1000; t < end; t += 1000) {
      const s = this.seconds.get(t);
      if (!s) continue;
      requests += s.requests;
      errors += s.errors;
      for (const l of s.latencies) lat.push(l);
    }
    return {
      requests,
      errorRatio: requests === 0 ? null : errors / requests,
      p95Ms: percentile(lat, 95),
      p99Ms: percentile(lat, 99),
    };
  }

  buckets(): LoadBucket[] {
    return [...this.seconds.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, s]) => ({
        t,
        requests: s.requests,
        errors: s.errors,
        timeouts: s.timeouts,
        p50Ms: percentile(s.latencies, 50),
        p95Ms: percentile(s.latencies, 95),
        p99Ms: percentile(s.latencies, 99),
      }));
  }

  private bucket(): Second {
    const t = Math.floor(this.now() / 1000) * 1000;
    let s = this.seconds.get(t);
    if (!s) {
      s = { requests: 0, errors: 0, timeouts: 0, latencies: [] };
      this.seconds.set(t, s);
    }
    return s;
  }
}
