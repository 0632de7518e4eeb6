import type { DetectorConfig } from '../config';
import type { EntityRegistry } from '../entity-registry';
import type { EventStore } from '../event-store';
import type { ServiceMetrics } from '../metrics';
import type { ReplayDeps } from '../replay';
import type { TraceCallGraph } from '../traces/trace-call-graph';

/** What the HTTP routes read; built once by detector-service.ts. */
export interface ApiContext {
  detectors: readonly DetectorConfig[];
  registry: EntityRegistry;
  events: EventStore;
  metrics: ServiceMetrics;
  replay: ReplayDeps;
  /** Where POST /v1/traces puts what it learns, and how a span's service.name maps to an entity. */
  traces: { enabled: boolean; graph: TraceCallGraph; servicePattern: RegExp };
  liveSince(detector: string): number | null;
  /** Readiness with the reasons it is false, for /readyz. */
  readiness(): Promise<{ ready: boolean; queryApi: boolean; modelsWarm: boolean; reason?: string }>;
}
