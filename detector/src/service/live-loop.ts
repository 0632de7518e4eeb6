import type { Logger } from 'pino';
import type { DetectorConfig } from './config';
import { detectorHash } from './detector-hash';
import type { Entity, EntityRegistry } from './entity-registry';
import type { EventStore } from './event-store';
import type { EventTracker } from './event-tracker';
import { alignFeatures, type EntityFrame } from './feature-frame';
import type { LiveScore, LiveScoreLog } from './live-score-log';
import type { ServiceMetrics } from './metrics';
import { historyMs, type ModelFactory } from './model-factory';
import type { ModelStore } from './model-store';
import type { PrometheusClient } from './prometheus-client';
import { LiveRootCause, type IncidentMembership, type RootCauseVerdict } from './root-cause/live-root-cause';
import { topFeature } from './top-feature';
import type { TraceCallGraph } from './traces/trace-call-graph';

export interface LiveLoopDeps {
  detectors: readonly DetectorConfig[];
  client: PrometheusClient;
  registry: EntityRegistry;
  models: ModelFactory;
  modelStore: ModelStore;
  tracker: EventTracker;
  events: EventStore;
  /** Call edges learned from traces, for the root-cause ranking (beside each detector's declared ones). */
  traceGraph?: TraceCallGraph;
  /** Where every live-scored point is recorded, for replays to serve (see live-score-log.ts). */
  scoreLog?: LiveScoreLog;
  metrics: ServiceMetrics;
  log: Logger;
  /** How often model state is written to the data dir (also on stop). */
  persistIntervalMs?: number;
  now?: () => number;
}

/**
 * Why a step of an entity got no score: a feature had no value (after the missing policy), a
 * feature's previous sample was too old, the model is still learning, or the model threw.
 */
export type DropReason = 'missing_feature' | 'stale' | 'warming' | 'rejected';

function countDropped(e: Entity, status: string | undefined): void {
  const reason: DropReason =
    status === 'missing'
      ? 'missing_feature'
      : status === 'stale'
        ? 'stale'
        : status === 'rejected'
          ? 'rejected'
          : 'warming';
  e.dropped ??= {};
  e.dropped[reason] = (e.dropped[reason] ?? 0) + 1;
}

/** Above this many new entities in one cycle, their history is read unfiltered. */
const MAX_FILTERED_ENTITIES = 50;

/**
 * A PromQL vector with one element per entity, carrying exactly its groupBy labels, for
 * `q and on (groupBy) <this>`: keeps only those entities' series of any query.
 */
export function entityFilter(
  groupBy: readonly string[],
  entities: readonly Record<string, string>[],
): string {
  const one = (labels: Record<string, string>) =>
    groupBy.reduce(
      (expr, l) =>
        `label_replace(${expr}, ${JSON.stringify(l)}, ${JSON.stringify(escapeReplacement(labels[l] ?? ''))}, "", "")`,
      'vector(1)',
    );
  return `(${entities.map(one).join(' or ')})`;
}

/** label_replace expands $1, ${name} in its replacement; a literal `$` is written `$$`. */
function escapeReplacement(v: string): string {
  return v.replace(/\$/g, '$$$$');
}

/** Entities scored between two yields to the event loop, so /metrics and the API stay responsive. */
const YIELD_EVERY = 250;

/**
 * The live scoring loop: per detector, every interval, one range query per feature covering every
 * point since the last cycle (all entities at once, batched by detector), aligned on the step grid
 * and pushed causally into each entity's model. The first cycle reads a whole training window
 * of history so models are warm at once; so does an entity that appears later. A failed cycle
 * does not move the cursor, so the next one catches up (at most one training window back).
 */
export class LiveLoop {
  private readonly cursors = new Map<string, number | null>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  /** Per detector with root-cause ranking on. */
  private readonly rootCauses = new Map<string, LiveRootCause>();
  private persistTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly now: () => number;
  /** Per detector: end of the first cycle that started from scratch (where a replay matches live). */
  readonly liveSince = new Map<string, number>();
  /** null until the first request to the query API finished. */
  queryApiUp: boolean | null = null;
  lastError: string | null = null;

  constructor(private readonly deps: LiveLoopDeps) {
    this.now = deps.now ?? Date.now;
    for (const d of deps.detectors) {
      this.cursors.set(d.name, null);
      if (d.rootCause.enabled)
        this.rootCauses.set(d.name, new LiveRootCause(d, () => deps.traceGraph?.edges(this.now()) ?? []));
    }
  }

  /** The open incidents' root-cause rankings and members, for /metrics. */
  readonly rootCause = {
    verdicts: (): RootCauseVerdict[] => [...this.rootCauses.values()].flatMap((rc) => rc.verdicts()),
    memberships: (): IncidentMembership[] => [...this.rootCauses.values()].flatMap((rc) => rc.memberships()),
  };

  /** Loads persisted models, then starts one timer chain per detector. */
  start(): void {
    this.restore();
    this.stopped = false;
    for (const d of this.deps.detectors) this.schedule(d, 0);
    const every = this.deps.persistIntervalMs ?? 60_000;
    this.persistTimer = setInterval(() => this.persist(), every);
    this.persistTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.persistTimer) clearInterval(this.persistTimer);
    await Promise.allSettled([...this.running]);
    this.persist();
    this.deps.events.saveAll(this.deps.tracker.takeChanges());
  }

  /** One cycle of one detector now; exported for tests and the benchmark. */
  async runCycle(d: DetectorConfig): Promise<void> {
    const { metrics, log } = this.deps;
    const endTimer = metrics.cycleDuration.startTimer({ detector: d.name });
    try {
      await this.cycle(d);
      this.queryApiUp = true;
      this.lastError = null;
      metrics.queryApiUp.set({ detector: d.name }, 1);
      metrics.cycles.inc({ detector: d.name, result: 'ok' });
      metrics.lastCycle.set({ detector: d.name }, this.now() / 1000);
    } catch (e) {
      this.queryApiUp = false;
      this.lastError = (e as Error).message;
      metrics.queryApiUp.set({ detector: d.name }, 0);
      metrics.cycles.inc({ detector: d.name, result: 'error' });
      log.warn(
        { detector: d.name, err: (e as Error).message },
        'scoring cycle failed; gauges go stale until the query API answers',
      );
    } finally {
      endTimer();
    }
  }

  persist(): void {
    const { registry, modelStore, log } = this.deps;
    for (const d of this.deps.detectors) {
      const hash = detectorHash(d);
      for (const e of registry.entities(d.name).values()) {
        try {
          modelStore.save({
            detector: d.name,
            key: e.key,
            labels: e.labels,
            lastTimestamp: e.lastTimestamp,
            lastSeenAt: e.lastSeenAt,
            configHash: hash,
            state: e.model.toJSON(),
          });
        } catch (err) {
          log.error({ detector: d.name, key: e.key, err: (err as Error).message }, 'cannot persist model');
        }
      }
    }
  }

  private schedule(d: DetectorConfig, delayMs: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      const p = this.runCycle(d).finally(() => {
        this.running.delete(p);
        // Next cycle just after the next step boundary plus the query delay.
        const stepMs = d.intervalSeconds * 1000;
        const delayMs = d.queryDelaySeconds * 1000;
        const now = this.now();
        const next = (Math.floor((now - delayMs) / stepMs) + 1) * stepMs + delayMs;
        this.schedule(d, Math.max(50, next - now));
      });
      this.running.add(p);
    }, delayMs);
    this.timers.set(d.name, t);
  }

  private restore(): void {
    const { registry, modelStore, models, log } = this.deps;
    for (const d of this.deps.detectors) {
      const hash = detectorHash(d);
      const entities = registry.entities(d.name);
      let cursor: number | null = null;
      for (const s of modelStore.load(d.name, (file, err) =>
        log.warn({ file, err: String(err) }, 'skipping unreadable model file'),
      )) {
        if (s.configHash !== hash) {
          log.info(
            { detector: d.name, key: s.key },
            'stored model was made with other settings (queries, window, pipeline, ...); entity starts cold',
          );
          continue;
        }
        try {
          const model = models.restore(d, s.state);
          entities.set(s.key, {
            detector: d.name,
            key: s.key,
            labels: s.labels,
            model,
            lastTimestamp: s.lastTimestamp,
            lastSeenAt: s.lastSeenAt,
            last: null,
          });
          if (s.lastTimestamp !== null && (cursor === null || s.lastTimestamp > cursor))
            cursor = s.lastTimestamp;
        } catch (err) {
          log.warn(
            { detector: d.name, key: s.key, err: (err as Error).message },
            'stored model rejected; entity starts cold',
          );
        }
      }
      this.cursors.set(d.name, cursor);
      if (entities.size)
        log.info({ detector: d.name, entities: entities.size }, 'resumed models from data dir');
    }
  }

  /** `only`: restrict every query to these entities (label sets of the groupBy labels). */
  private async fetch(d: DetectorConfig, startMs: number, endMs: number, only?: Record<string, string>[]) {
    const features = Object.keys(d.queries);
    const restrict = only ? entityFilter(d.groupBy, only) : '';
    const results = await Promise.all(
      features.map((f) =>
        this.deps.client.queryRange(
          restrict ? `(${d.queries[f]}) and on (${d.groupBy.join(', ')}) ${restrict}` : d.queries[f],
          startMs,
          endMs,
          d.intervalSeconds,
        ),
      ),
    );
    const aligned = alignFeatures(features, d.groupBy, results);
    if (aligned.duplicates) this.deps.metrics.duplicates.inc({ detector: d.name }, aligned.duplicates);
    return aligned.entities;
  }

  private async cycle(d: DetectorConfig): Promise<void> {
    const { registry, models, tracker, events, modelStore, log } = this.deps;
    const stepMs = d.intervalSeconds * 1000;
    const windowMs = historyMs(d, d.intervalSeconds);
    const end = Math.floor((this.now() - d.queryDelaySeconds * 1000) / stepMs) * stepMs;
    const cursor = this.cursors.get(d.name) ?? null;
    const start = Math.max(cursor === null ? -Infinity : cursor + stepMs, end - windowMs);
    if (start > end) return;
    const frames = await this.fetch(d, start, end);
    const entities = registry.entities(d.name);

    // Entities seen for the first time get the training window before this range too, so they
    // score from their first live point instead of learning for a whole window.
    const fresh = [...frames.keys()].filter((k) => !entities.has(k));
    if (fresh.length && start > end - windowMs) {
      // Only the new entities' history (a few at a time), not the whole detector's: churn in a
      // large fleet must not re-read a training window of every series.
      const only =
        fresh.length <= MAX_FILTERED_ENTITIES && d.groupBy.length
          ? fresh.map((k) => frames.get(k)?.labels ?? {})
          : undefined;
      const history = await this.fetch(d, end - windowMs, start - stepMs, only);
      for (const k of fresh) {
        const h = history.get(k);
        const f = frames.get(k);
        if (h && f)
          frames.set(k, {
            ...f,
            timestamps: [...h.timestamps, ...f.timestamps],
            rows: [...h.rows, ...f.rows],
          });
      }
    }

    // Points from here on are scored as they come: recorded. Before it: the first cycle's (or a new
    // entity's) training history, which no alert saw.
    const liveFrom = cursor === null ? end : start;
    const scored: LiveScore[] = [];
    let n = 0;
    for (const frame of frames.values()) {
      let e = entities.get(frame.key);
      if (!e) {
        e = {
          detector: d.name,
          key: frame.key,
          labels: frame.labels,
          model: models.create(d, d.intervalSeconds, frame.key),
          lastTimestamp: null,
          lastSeenAt: 0,
          last: null,
        };
        entities.set(frame.key, e);
        log.info({ detector: d.name, key: frame.key }, 'entity appeared');
      }
      this.pushFrame(e, frame, liveFrom, scored);
      if (++n % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    }

    const forgetBefore = end - d.forgetAfterSeconds * 1000;
    for (const e of [...entities.values()]) {
      if (frames.has(e.key) || e.lastSeenAt >= forgetBefore) continue;
      tracker.forget(d.name, e.key, e.lastSeenAt);
      this.rootCauses.get(d.name)?.forget(e.key);
      entities.delete(e.key);
      modelStore.remove(d.name, e.key);
      log.info({ detector: d.name, key: e.key }, 'entity disappeared');
    }
    if (cursor === null && !this.liveSince.has(d.name)) this.liveSince.set(d.name, end);
    this.cursors.set(d.name, end);
    events.saveAll(tracker.takeChanges());
    this.deps.scoreLog?.append(d.name, detectorHash(d), scored, this.now());
    this.rootCauses.get(d.name)?.endCycle(end);
  }

  private pushFrame(e: Entity, frame: EntityFrame, liveFrom: number, scored: LiveScore[]): void {
    const { tracker, log } = this.deps;
    for (let i = 0; i < frame.timestamps.length; i++) {
      const t = frame.timestamps[i];
      if (e.lastTimestamp !== null && t <= e.lastTimestamp) continue;
      try {
        const p = e.model.push(t, frame.rows[i]);
        e.lastTimestamp = t;
        e.lastSeenAt = t;
        if (p.score !== null) e.last = p;
        else countDropped(e, (p as { status?: string }).status);
        // The ranker's window takes history too; only live points open incidents.
        this.rootCauses.get(e.detector)?.observe(e.key, e.labels, t, frame.rows[i], {
          score: t >= liveFrom ? p.score : null,
          contributions: p.contributions,
        });
        if (t >= liveFrom)
          scored.push({
            detector: e.detector,
            key: e.key,
            timestamp: t,
            score: p.score,
            anomaly: p.anomaly,
            topFeature: topFeature(p.contributions),
          });
        if (tracker.observe(e.detector, e.key, e.labels, p))
          this.deps.metrics.events.inc({ detector: e.detector });
      } catch (err) {
        log.error(
          { detector: e.detector, key: e.key, err: (err as Error).message },
          'model rejected a point',
        );
        e.lastTimestamp = t;
        countDropped(e, 'rejected');
      }
    }
  }
}
