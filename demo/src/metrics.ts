import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type OpenMetricsContentType,
} from 'prom-client';

/**
 * Every metric name and help text of the demo fleet (fixed in docs/architecture.md: the detector's
 * queries, the alert rules and the chaos runner read them). Each service has its own Registry in
 * OpenMetrics format, because only that format carries the histogram exemplars (trace ids).
 * The registry's default label `service` puts the service on every series, process metrics too.
 */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createRegistry(service: string): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export type DemoRegistry = ReturnType<typeof createRegistry>;

/** Metrics every demo service (backends and gateway) exposes. */
export function httpMetrics(registry: DemoRegistry) {
  return {
    requests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by route and status code (599: connection reset by the packet-loss fault; 499: client gave up)',
      labelNames: ['service', 'method', 'route', 'code'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency in seconds; exemplars carry the trace_id',
      labelNames: ['service', 'method', 'route', 'code'] as const,
      buckets: LATENCY_BUCKETS,
      enableExemplars: true,
      registers: [registry],
    }),
    activeUsers: new Gauge({
      name: 'demo_active_users',
      help: 'Distinct users (x-user-id header, or client connection) seen in the last 60 s',
      labelNames: ['service'] as const,
      registers: [registry],
    }),
    transactions: new Counter({
      name: 'demo_transactions_total',
      help: 'Business transactions (orders placed, payments, reservations) by result: success or failure',
      labelNames: ['service', 'result'] as const,
      registers: [registry],
    }),
    availability: new Gauge({
      name: 'demo_availability_ratio',
      help: 'Share of requests answered without a 5xx or dropped connection over the last 60 s (1 when idle)',
      labelNames: ['service'] as const,
      registers: [registry],
    }),
    faultActive: new Gauge({
      name: 'demo_fault_active',
      help: 'Whether an injected fault is active (1) or not (0): ground truth for experiments',
      labelNames: ['service', 'fault'] as const,
      registers: [registry],
    }),
  };
}
export type HttpMetrics = ReturnType<typeof httpMetrics>;

/** What a backend's scrape-time gauges read. */
export interface BackendMetricSources {
  service: string;
  /** Bytes used on the backend's scratch volume (ScratchVolume.usedBytes). */
  scratchUsedBytes: () => Promise<number>;
}

/** Saturation metrics of a backend: pools, cache, scratch volume, fault-held resources. */
export function backendMetrics(registry: DemoRegistry, sources: BackendMetricSources) {
  const g = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['service'] as const, registers: [registry] });
  return {
    workersBusy: g('demo_worker_pool_busy', 'Workers processing a request'),
    workersQueued: g('demo_worker_pool_queued', 'Requests waiting for a worker'),
    workersSize: g('demo_worker_pool_size', 'Workers in the pool'),
    dbInUse: g('demo_db_pool_connections_in_use', 'Database connections checked out'),
    dbWaiting: g('demo_db_pool_waiting', 'Queries waiting for a database connection'),
    dbSize: g('demo_db_pool_size', 'Database connections in the pool'),
    cacheEnabled: g('demo_cache_enabled', 'Whether the read cache is on (1) or off (0)'),
    cacheEntries: g('demo_cache_entries', 'Entries in the read cache'),
    cacheRequests: new Counter({
      name: 'demo_cache_requests_total',
      help: 'Cache lookups by result: hit or miss',
      labelNames: ['service', 'result'] as const,
      registers: [registry],
    }),
    leakedBytes: g('demo_memory_leak_bytes', 'Bytes retained by the memory-leak fault'),
    // measured, not counted: the volume an SRE would watch (like kubelet_volume_stats_used_bytes),
    // read on disk at each scrape, so it sees every writer and every file left behind
    scratchUsed: new Gauge({
      name: 'demo_scratch_used_bytes',
      help: 'Bytes used on the scratch volume (--scratch-dir): every file under it, whatever wrote it, in allocated blocks as du counts them; read at each scrape',
      labelNames: ['service'] as const,
      registers: [registry],
      async collect() {
        this.set({ service: sources.service }, await sources.scratchUsedBytes());
      },
    }),
    diskBytes: g(
      'demo_disk_fill_bytes',
      'Bytes the disk fault has written to the scratch volume and not yet removed: ground truth for experiments (demo_scratch_used_bytes is the volume\'s usage)',
    ),
  };
}
export type BackendMetrics = ReturnType<typeof backendMetrics>;

/** Per-upstream metrics of the gateway; `service` is the backend service routed to. */
export function gatewayMetrics(registry: DemoRegistry) {
  return {
    upstreamRequests: new Counter({
      name: 'gateway_upstream_requests_total',
      help: 'Requests forwarded to an upstream replica, by status code (0: connection failed)',
      labelNames: ['service', 'upstream', 'code'] as const,
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'gateway_upstream_request_duration_seconds',
      help: 'Latency of upstream replicas as seen by the gateway, in seconds',
      labelNames: ['service', 'upstream'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    upstreams: new Gauge({
      name: 'gateway_upstreams',
      help: 'Replicas in rotation (weight > 0 and not ejected) per service',
      labelNames: ['service'] as const,
      registers: [registry],
    }),
    upstreamWeight: new Gauge({
      name: 'gateway_upstream_weight',
      help: 'Traffic weight of each upstream replica',
      labelNames: ['service', 'upstream'] as const,
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'gateway_dropped_connections_total',
      help: 'Client connections reset by the packet-loss fault',
      labelNames: ['service'] as const,
      registers: [registry],
    }),
  };
}
export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;
