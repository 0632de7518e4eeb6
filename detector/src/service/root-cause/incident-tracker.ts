/** One entity's part in an incident. */
export interface IncidentMember {
  key: string;
  /** First point above the alarm line in this incident, Unix ms. */
  onset: number;
  peakScore: number;
  /** Last point above the alarm line. */
  lastAnomalous: number;
}

export interface Incident {
  /** Stable for the incident's life: `<detector>:<start as ISO 8601>`. */
  id: string;
  detector: string;
  /** The first member's onset. */
  start: number;
  members: Map<string, IncidentMember>;
}

/**
 * Groups a detector's concurrent anomalies into incidents: one opens at the first point of any
 * entity above the alarm line, takes in every entity that crosses it while it is open, and closes
 * once no entity has been above it for `closeAfterMs`. A fault in one service shows in every service
 * that calls it, a little later; grouping them is what lets the ranker name one cause for all.
 * One incident per detector at a time: anomalies that overlap are treated as one story.
 */
export class IncidentTracker {
  private current: Incident | null = null;

  constructor(
    private readonly detector: string,
    private readonly closeAfterMs: number,
  ) {}

  /** One scored point of one entity. */
  observe(key: string, timestamp: number, score: number | null): void {
    if (score === null || score < 1) return;
    if (!this.current) {
      this.current = {
        id: `${this.detector}:${new Date(timestamp).toISOString()}`,
        detector: this.detector,
        start: timestamp,
        members: new Map(),
      };
    }
    const m = this.current.members.get(key);
    if (m) {
      m.peakScore = Math.max(m.peakScore, score);
      m.lastAnomalous = Math.max(m.lastAnomalous, timestamp);
    } else {
      this.current.members.set(key, { key, onset: timestamp, peakScore: score, lastAnomalous: timestamp });
      this.current.start = Math.min(this.current.start, timestamp);
    }
  }

  /** The open incident at data time `now` (closing it when it has been quiet long enough). */
  at(now: number): Incident | null {
    const c = this.current;
    if (!c) return null;
    const last = Math.max(...[...c.members.values()].map((m) => m.lastAnomalous));
    if (now - last > this.closeAfterMs) this.current = null;
    return this.current;
  }
}
