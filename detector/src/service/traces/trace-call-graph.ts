/** One span as the call graph needs it: its identity, its parent's, and the service that emitted it. */
export interface SpanLink {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  service: string;
}

/** Spans remembered (to find a child's parent that arrives in another export) and parents awaited. */
const MAX_SPANS = 50_000;
/** Children kept waiting for one parent (a fan-out span has a few; thousands are an abuse). */
const MAX_WAITING_CHILDREN = 16;
/** Distinct service pairs kept; beyond it the least recently seen goes. */
const MAX_EDGES = 10_000;

/**
 * The call graph the fleet's traces show: an edge caller -> callee for every span whose parent span
 * was emitted by another service. Each service exports its own spans, so a parent may arrive before
 * or after its child (another process, another batch): both are remembered for a while, bounded.
 * An edge lives `ttlMs` after it was last seen, so a dependency that was removed drops out.
 *
 * Hand-written because no OpenTelemetry package derives a service graph in-process (the Collector's
 * servicegraph connector does it in Go, as metrics, and needs a Collector deployment).
 */
export class TraceCallGraph {
  private readonly spans = new Map<string, string>();
  private readonly waiting = new Map<string, { service: string; at: number }[]>();
  private readonly edgesSeen = new Map<string, { caller: string; callee: string; at: number }>();

  constructor(private readonly ttlMs: number) {}

  add(spans: readonly SpanLink[], now: number): void {
    for (const s of spans) {
      const id = `${s.traceId}/${s.spanId}`;
      remember(this.spans, id, s.service);
      for (const child of this.waiting.get(id) ?? [])
        this.link(s.service, child.service, Math.max(now, child.at));
      this.waiting.delete(id);
      if (!s.parentSpanId) continue;
      const parentId = `${s.traceId}/${s.parentSpanId}`;
      const parent = this.spans.get(parentId);
      if (parent !== undefined) this.link(parent, s.service, now);
      else {
        const list = this.waiting.get(parentId) ?? [];
        if (list.length < MAX_WAITING_CHILDREN) list.push({ service: s.service, at: now });
        remember(this.waiting, parentId, list);
      }
    }
  }

  /** Edges between services seen within the TTL before `now`. */
  edges(now: number): { caller: string; callee: string }[] {
    const out: { caller: string; callee: string }[] = [];
    for (const [k, e] of this.edgesSeen) {
      if (now - e.at > this.ttlMs) this.edgesSeen.delete(k);
      else out.push({ caller: e.caller, callee: e.callee });
    }
    return out;
  }

  private link(caller: string, callee: string, at: number): void {
    if (caller === callee) return; // a span inside one service is not a call between services
    const k = `${caller}\u0000${callee}`;
    this.edgesSeen.delete(k);
    this.edgesSeen.set(k, { caller, callee, at });
    if (this.edgesSeen.size > MAX_EDGES) this.edgesSeen.delete(this.edgesSeen.keys().next().value as string);
  }
}

/** Insert, evicting the oldest entry beyond MAX_SPANS (a Map iterates in insertion order). */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.get(key) === value) return;
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_SPANS) map.delete(map.keys().next().value as string);
}
