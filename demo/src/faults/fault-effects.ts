/**
 * What the request path reads to feel the faults that act per request (latency, errors, packet
 * loss); the
 * faults that act on the process (cpu, memory, disk, pool, crash) do their own work.
 */
export class FaultEffects {
  addedLatencyMs = 0;
  latencyJitterMs = 0;
  errorRatio = 0;
  errorStatus = 500;
  lossRatio = 0;

  /** The delay to add to one request, jitter drawn uniformly in [-jitter, +jitter]. */
  latencyFor(random: () => number = Math.random): number {
    if (this.addedLatencyMs <= 0) return 0;
    const j = this.latencyJitterMs > 0 ? (random() * 2 - 1) * this.latencyJitterMs : 0;
    return Math.max(0, this.addedLatencyMs + j);
  }

  shouldDrop(random: () => number = Math.random): boolean {
    return this.lossRatio > 0 && random() < this.lossRatio;
  }

  shouldFail(random: () => number = Math.random): boolean {
    return this.errorRatio > 0 && random() < this.errorRatio;
  }
}
