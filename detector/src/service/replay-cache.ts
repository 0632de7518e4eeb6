import type { ScoringModel } from './entity-registry';

/**
 * One entity's causal replay from a fixed start, kept so the next request over an overlapping
 * range (a dashboard refresh) only scores the points it has not seen. `model` has consumed exactly
 * the points listed here, in order; the outputs are what it returned for them.
 */
export interface ReplayRun {
  /** The entity key and labels. */
  key: string;
  labels: Record<string, string>;
  model: ScoringModel;
  /** The run has consumed every point of its entity up to this time (settled points only). */
  until: number;
  timestamps: number[];
  inputs: (number | null)[][];
  scores: (number | null)[];
  anomalies: boolean[];
  topFeatures: (string | null)[];
}

/** What one request's runs (all entities of a detector, step, start) have consumed. */
export interface ReplayCoverage {
  /** Every run has consumed all its points up to here. */
  until: number;
  /** The entities of the request, each with a run under `<request key>\n<entity key>`. */
  keys: string[];
}

/** Runs kept by default: each holds a model (~0.5 MB at 100 trees × ψ 256) and its points. */
export const DEFAULT_REPLAY_CACHE_RUNS = 200;

/**
 * Least-recently-used store of replay runs, keyed by everything that determines a run's scores
 * (detector settings, step, start, entity). A run is reused only after its inputs are checked
 * against freshly queried data (see replay.ts), so a cache hit returns what a fresh replay would.
 */
export class ReplayCache {
  private readonly runs = new Map<string, ReplayRun>();
  private readonly covered = new Map<string, ReplayCoverage>();

  constructor(readonly maxRuns = DEFAULT_REPLAY_CACHE_RUNS) {}

  get size(): number {
    return this.runs.size;
  }

  get(key: string): ReplayRun | undefined {
    const run = this.runs.get(key);
    if (run) {
      // Map iteration order is insertion order: re-inserting marks the run most recently used.
      this.runs.delete(key);
      this.runs.set(key, run);
    }
    return run;
  }

  set(key: string, run: ReplayRun): void {
    this.runs.delete(key);
    this.runs.set(key, run);
    while (this.runs.size > this.maxRuns) {
      const oldest = this.runs.keys().next().value as string;
      this.runs.delete(oldest);
    }
  }

  coverage(requestKey: string): ReplayCoverage | undefined {
    return this.covered.get(requestKey);
  }

  setCoverage(requestKey: string, coverage: ReplayCoverage): void {
    this.covered.delete(requestKey);
    this.covered.set(requestKey, coverage);
    // Coverage without its runs is useless (and checked); keep about as many as runs can serve.
    while (this.covered.size > this.maxRuns) this.covered.delete(this.covered.keys().next().value as string);
  }

  clear(): void {
    this.runs.clear();
    this.covered.clear();
  }
}
