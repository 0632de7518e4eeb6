import type { EntityInfo } from '@homeostat/contracts';
import type { DetectorConfig } from './config';
import type { PointLike } from './event-tracker';
import type { DroppedSteps, EntityCounts, ScoreSnapshot, ScoreSource } from './metrics';

/** What the service needs of the engine's StreamingDetector (see model-factory.ts). */
export interface ScoringModel {
  push(timestampMs: number, values: ArrayLike<number | null>): PointLike;
  readonly warm: boolean;
  readonly fittedAt: number | null;
  toJSON(): unknown;
}

/** One followed entity: a model per (detector, groupBy label values). */
export interface Entity {
  detector: string;
  key: string;
  labels: Record<string, string>;
  model: ScoringModel;
  /** Timestamp of the last point pushed into the model. */
  lastTimestamp: number | null;
  /** Timestamp of the last point at which any feature had data. */
  lastSeenAt: number;
  /** Last point with a non-null score, and the data timestamp it was scored at. */
  last: PointLike | null;
  /** Steps pushed without a score since the entity appeared in this process, by reason. */
  dropped?: Partial<Record<'missing_feature' | 'stale' | 'warming' | 'rejected', number>>;
}

/**
 * The live entities of every detector. Implements the metrics' ScoreSource: an entity's score is
 * exported only while it is fresh (scored within `staleAfterMs(detector)` of now), so a broken
 * query API or a vanished series makes the gauge disappear rather than repeat an old value.
 */
export class EntityRegistry implements ScoreSource {
  private readonly byDetector = new Map<string, Map<string, Entity>>();
  private readonly configs = new Map<string, DetectorConfig>();

  constructor(
    detectors: readonly DetectorConfig[],
    private readonly now: () => number = Date.now,
  ) {
    for (const d of detectors) {
      this.byDetector.set(d.name, new Map());
      this.configs.set(d.name, d);
    }
  }

  entities(detector: string): Map<string, Entity> {
    const m = this.byDetector.get(detector);
    if (!m) throw new Error(`unknown detector ${detector}`);
    return m;
  }

  /** How old a score may be before its gauge is withdrawn: three intervals plus the query delay. */
  staleAfterMs(detector: string): number {
    const d = this.configs.get(detector);
    return d ? (3 * d.intervalSeconds + d.queryDelaySeconds) * 1000 : 0;
  }

  isFresh(e: Entity): boolean {
    return e.last !== null && this.now() - e.last.timestamp <= this.staleAfterMs(e.detector);
  }

  *scores(): Iterable<ScoreSnapshot> {
    for (const [, entities] of this.byDetector) {
      for (const e of entities.values()) {
        if (!e.last || e.last.score === null || !this.isFresh(e)) continue;
        yield {
          detector: e.detector,
          labels: e.labels,
          score: e.last.score,
          anomaly: e.last.anomaly,
          contributions: e.last.contributions,
        };
      }
    }
  }

  *droppedSteps(): Iterable<DroppedSteps> {
    for (const entities of this.byDetector.values())
      for (const e of entities.values())
        for (const [reason, n] of Object.entries(e.dropped ?? {}))
          yield { detector: e.detector, labels: e.labels, reason, count: n ?? 0 };
  }

  entityCounts(): EntityCounts[] {
    const now = this.now();
    return [...this.byDetector].map(([detector, entities]) => {
      let warm = 0;
      let oldest: number | null = null;
      for (const e of entities.values()) {
        if (e.model.warm) warm++;
        const f = e.model.fittedAt;
        if (f !== null && (oldest === null || f < oldest)) oldest = f;
      }
      return {
        detector,
        warm,
        cold: entities.size - warm,
        oldestModelAgeSeconds: oldest === null ? null : Math.max(0, (now - oldest) / 1000),
      };
    });
  }

  info(detector?: string): EntityInfo[] {
    const out: EntityInfo[] = [];
    for (const [name, entities] of this.byDetector) {
      if (detector !== undefined && name !== detector) continue;
      for (const e of entities.values()) {
        out.push({
          detector: name,
          key: e.key,
          labels: e.labels,
          warm: e.model.warm,
          lastScore: e.last?.score ?? null,
          lastScoredAt: e.last?.timestamp ?? null,
          modelFittedAt: e.model.fittedAt,
        });
      }
    }
    return out.sort((a, b) =>
      a.detector === b.detector ? (a.key < b.key ? -1 : 1) : a.detector < b.detector ? -1 : 1,
    );
  }

  /** True when every detector has at least one warm entity. */
  allWarm(): boolean {
    for (const entities of this.byDetector.values()) {
      let any = false;
      for (const e of entities.values()) {
        if (e.model.warm) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  }
}
