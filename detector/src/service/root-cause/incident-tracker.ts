/** One entity's part in an incident. */
export interface IncidentMember {
  key: string;
  /** First point above the alarm line in this incident, Unix ms. */
  onset: number;
  peakScore: number;
  /** Last point above the alarm line. */
  lastAnomalous: number;
  /** The detector's attributions at the onset point (metric → share): what opened the alarm. */
  onsetAttributions: Readonly<Record<string, number>>;
}

export interface Incident {
  /** Stable for the incident's life: `<detector>:<first onset as ISO 8601>`. */
  id: string;
  detector: string;
  /** The first member's onset. */
  start: number;
  members: Map<string, IncidentMember>;
}

/**
 * Groups a detector's concurrent anomalies into incidents. A fault in one service shows in every
 * service that calls it, a little later: an entity crossing the alarm line while an incident is
 * young (within `joinWithinMs` of its start) joins it, so the ranker can name one cause for all.
 * An entity crossing later is a new story and opens its own incident; so does one crossing when
 * none is open. An incident closes once none of its members has been above the line for
 * `closeAfterMs`; an entity belongs to at most one open incident.
 */
export class IncidentTracker {
  private readonly open: Incident[] = [];

  constructor(
    private readonly detector: string,
    private readonly joinWithinMs: number,
    private readonly closeAfterMs: number,
  ) {}

  /** One scored point of one entity, with the detector's attributions of that point. */
  observe(
    key: string,
    timestamp: number,
    score: number | null,
    attributions: Readonly<Record<string, number>> = {},
  ): void {
    if (score === null || score < 1) return;
    const own = this.open.find((i) => i.members.has(key));
    const m = own?.members.get(key);
    if (m) {
      m.peakScore = Math.max(m.peakScore, score);
      m.lastAnomalous = Math.max(m.lastAnomalous, timestamp);
      return;
    }
    // The youngest incident still taking members, else a new one.
    let incident = [...this.open].reverse().find((i) => timestamp - i.start <= this.joinWithinMs);
    if (!incident) {
      incident = {
        id: `${this.detector}:${new Date(timestamp).toISOString()}`,
        detector: this.detector,
        start: timestamp,
        members: new Map(),
      };
      this.open.push(incident);
    }
    incident.members.set(key, {
      key,
      onset: timestamp,
      peakScore: score,
      lastAnomalous: timestamp,
      onsetAttributions: attributions,
    });
    incident.start = Math.min(incident.start, timestamp);
  }

  /** The open incidents at data time `now`, oldest first (closing those quiet long enough). */
  at(now: number): readonly Incident[] {
    for (let i = this.open.length - 1; i >= 0; i--) {
      const last = Math.max(...[...this.open[i].members.values()].map((m) => m.lastAnomalous));
      if (now - last > this.closeAfterMs) this.open.splice(i, 1);
    }
    return this.open;
  }

  /** An entity that disappeared leaves its incident (which closes when it has no member left). */
  forget(key: string): void {
    for (let i = this.open.length - 1; i >= 0; i--) {
      this.open[i].members.delete(key);
      if (this.open[i].members.size === 0) this.open.splice(i, 1);
    }
  }
}
