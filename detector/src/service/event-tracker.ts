import { createHash } from 'node:crypto';
import type { AnomalyEvent, FeatureContribution } from '@homeostat/contracts';

/** What the tracker needs of a scored point (the engine's ScoredPoint satisfies it). */
export interface PointLike {
  timestamp: number;
  score: number | null;
  anomaly: boolean;
  contributions: FeatureContribution[];
}

const TOP_FEATURES = 3;

/**
 * Turns each entity's stream of scored points into anomaly events: an event opens at the first
 * anomalous point, keeps the peak score and the features that drove it, and closes at the first
 * normal point after it. Changed events are collected and handed to the store once per cycle.
 */
export class EventTracker {
  private readonly open = new Map<string, AnomalyEvent>();
  private dirty = new Map<string, AnomalyEvent>();

  constructor(restored: readonly AnomalyEvent[] = []) {
    for (const e of restored) this.open.set(entityId(e.detector, e.key), e);
  }

  /** Returns true when this point opened a new event. */
  observe(detector: string, key: string, labels: Record<string, string>, p: PointLike): boolean {
    if (p.score === null) return false;
    const id = entityId(detector, key);
    const current = this.open.get(id);
    if (p.anomaly) {
      if (current) {
        if (p.score > current.peakScore) {
          current.peakScore = p.score;
          current.peakAt = p.timestamp;
          current.topFeatures = top(p.contributions);
          this.dirty.set(current.id, current);
        }
        return false;
      }
      const ev: AnomalyEvent = {
        id: createHash('sha1').update(`${id}\u0000${p.timestamp}`).digest('hex').slice(0, 16),
        detector,
        key,
        labels,
        start: p.timestamp,
        end: null,
        peakScore: p.score,
        peakAt: p.timestamp,
        topFeatures: top(p.contributions),
      };
      this.open.set(id, ev);
      this.dirty.set(ev.id, ev);
      return true;
    }
    if (current) this.end(id, current, p.timestamp);
    return false;
  }

  /** Closes the entity's open event (it disappeared, or the service stops following it). */
  forget(detector: string, key: string, at: number): void {
    const id = entityId(detector, key);
    const current = this.open.get(id);
    if (current) this.end(id, current, Math.max(at, current.start));
  }

  /** Events changed since the last call, copied so later updates cannot alter what was handed out. */
  takeChanges(): AnomalyEvent[] {
    const out = [...this.dirty.values()].map((e) => ({ ...e, topFeatures: [...e.topFeatures] }));
    this.dirty = new Map();
    return out;
  }

  private end(id: string, ev: AnomalyEvent, at: number): void {
    ev.end = at;
    this.open.delete(id);
    this.dirty.set(ev.id, ev);
  }
}

function entityId(detector: string, key: string): string {
  return `${detector}\u0000${key}`;
}

function top(contributions: readonly FeatureContribution[]): FeatureContribution[] {
  return [...contributions].sort((a, b) => b.contribution - a.contribution).slice(0, TOP_FEATURES);
}
