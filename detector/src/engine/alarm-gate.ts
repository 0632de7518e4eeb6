export interface AlarmGateState {
  sinceOnset: number | null;
}

/**
 * Turns a stream of over-the-line points into alarm onsets, the events a person is paged for. A
 * point at or above the line opens an alarm unless one opened within the last `holdPoints` points:
 * a condition that comes and goes (a flapping metric, a noisy incident) is one alarm, not one per
 * crossing. This is what `keep_firing_for` does for a Prometheus alert, counted in points so one
 * setting means the same at every scrape interval.
 */
export class AlarmGate {
  /** Points pushed since the last onset; null before the first. */
  private sinceOnset: number | null = null;

  constructor(readonly holdPoints: number) {}

  /** One point (every point counts, gaps too); true when it opens an alarm. */
  update(over: boolean): boolean {
    if (this.sinceOnset !== null) this.sinceOnset++;
    if (!over) return false;
    if (this.sinceOnset !== null && this.sinceOnset <= this.holdPoints) return false;
    this.sinceOnset = 0;
    return true;
  }

  toJSON(): AlarmGateState {
    return { sinceOnset: this.sinceOnset };
  }

  restore(s: AlarmGateState): void {
    this.sinceOnset = s.sinceOnset;
  }
}
