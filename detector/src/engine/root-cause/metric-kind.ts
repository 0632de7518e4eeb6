/**
 * What a metric measures decides what its anomaly says: a slow or failing callee makes its callers
 * slow or failing (latency and errors travel upstream), a busy CPU or a full disk stays where it is,
 * and traffic is demand — it comes from the callers and clients, so a change in it is context, not
 * a fault of the entity that receives it.
 * The kind is read from the metric's name with the words Prometheus and APM tools use, or given
 * explicitly by the caller of the ranker.
 */
export const MetricKind = ['latency', 'errors', 'saturation', 'traffic', 'other'] as const;
export type MetricKind = (typeof MetricKind)[number];

export interface MetricNature {
  kind: MetricKind;
  /** +1: only a rise is bad; −1: only a fall is bad (availability, success ratio); 0: both. */
  direction: 1 | -1 | 0;
}

// Order matters: `process_cpu_seconds_total` is saturation and `http_request_duration_seconds_count`
// traffic, not latency; `unavailable_replicas` and `error_requests_total` are errors.
const RULES: readonly [RegExp, MetricNature][] = [
  [
    /((?<!un)availab|success|uptime|(^|[_.\s-])up($|[_.\s-])|apdex|health)/i,
    { kind: 'errors', direction: -1 },
  ],
  [
    /(error|errs|fail|(?<!page_?)fault|5xx|exception|reject|timeout|dropped|unavailab)/i,
    { kind: 'errors', direction: 1 },
  ],
  [
    /(cpu|mem|heap|gc|disk|inode|(^|[_.])fds?($|[_.])|file_desc|thread|(^|[_.\s-])load(\d|avg|_?average|[_.\s-]|$)|queue|saturat|utili[sz]|throttl|swap|iowait|conn|page_?fault)/i,
    { kind: 'saturation', direction: 1 },
  ],
  // Prometheus counters and histogram parts count events, whatever the base name measures.
  [/(_count|_bucket|_total|_sum)$/i, { kind: 'traffic', direction: 0 }],
  [
    /(latency|duration|response_?time|delay|wait|elapsed|(^|[_.])rt($|[_.])|_seconds|_ms($|_))/i,
    { kind: 'latency', direction: 1 },
  ],
  [
    /(request|rps|qps|tps|throughput|traffic|workload|calls|invocation|rate|count|hits)/i,
    { kind: 'traffic', direction: 0 },
  ],
];

/** The kind and bad direction of a metric, from its name; unknown names are 'other', both directions. */
export function metricNature(metric: string): MetricNature {
  for (const [re, nature] of RULES) if (re.test(metric)) return nature;
  return { kind: 'other', direction: 0 };
}

/** Kinds whose anomaly can be a fault of the entity itself (all but traffic). */
export function signalsFault(kind: MetricKind): boolean {
  return kind !== 'traffic';
}

/** Kinds whose anomaly in a callee shows up in its callers. */
export function travelsUpstream(kind: MetricKind): boolean {
  return kind === 'latency' || kind === 'errors';
}
