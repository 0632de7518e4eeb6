import { travelsUpstream } from './metric-kind';
import type { CallGraph } from './call-graph';
import type { MetricDeviation } from './metric-deviation';

/** Who explains one metric deviation of an entity, and how much of it (share 0..1). */
export interface Explanation {
  /** The largest share any one callee explains (the deviation left is z × (1 − share)). */
  share: number;
  /** The callee giving that share. */
  by?: string;
  /** Every callee that explains part of it, with its share. */
  supporters: { by: string; share: number }[];
}

export interface ExplanationContext {
  graph: CallGraph;
  deviations: ReadonlyMap<string, readonly MetricDeviation[]>;
  threshold: number;
  /** How long (ms) a callee's onset may trail this entity's and still explain it. */
  tolerance: number;
}

/**
 * Whether a callee's anomaly accounts for this one — CIRCA's regression idea reduced to what a call
 * graph says for sure: a caller's latency contains its callees' latency, and a callee's failures
 * fail its callers. Only latency and errors travel this way (saturation and unknown kinds are the
 * entity's own). The nearest observed callees are asked, looking past callees without data of that
 * kind. A callee explains only when it is anomalous on the same kind itself and started no later
 * (within the tolerance). On the same metric the share is how much of the entity's excess the
 * callee's excess covers (a callee 0.2 s slower explains at most 0.2 s of its caller's slowdown); on
 * another metric of the same kind the units may differ and the share is whole. On a cycle the
 * earlier (then the stronger) of the two explains the other, never both ways.
 */
export function explain(entity: string, d: MetricDeviation, ctx: ExplanationContext): Explanation {
  const out: Explanation = { share: 0, supporters: [] };
  if (d.z <= 0 || !travelsUpstream(d.kind)) return out;
  const hasKind = (e: string) => (ctx.deviations.get(e) ?? []).some((x) => x.kind === d.kind);
  for (const n of ctx.graph.nearest(entity, 'callees', hasKind)) {
    const own = ctx.deviations.get(n) ?? [];
    const same = own.find((x) => x.metric === d.metric);
    let share = 0;
    for (const c of same ? [same] : own.filter((x) => x.kind === d.kind)) {
      if (c.z < ctx.threshold || c.onset === undefined) continue;
      if (d.onset !== undefined && c.onset > d.onset + ctx.tolerance) continue;
      if (ctx.graph.sameCycle(entity, n) && !precedes(c, n, d, entity)) continue;
      const s = c.metric === d.metric && d.excess > 0 ? Math.min(1, Math.max(0, c.excess / d.excess)) : 1;
      share = Math.max(share, s);
    }
    if (share <= 0) continue;
    out.supporters.push({ by: n, share });
    if (share > out.share) {
      out.share = share;
      out.by = n;
    }
  }
  return out;
}

/** On a cycle: earlier onset first, then the larger deviation, then the name, so exactly one wins. */
function precedes(c: MetricDeviation, n: string, d: MetricDeviation, entity: string): boolean {
  const co = c.onset ?? Infinity;
  const eo = d.onset ?? Infinity;
  if (co !== eo) return co < eo;
  if (c.z !== d.z) return c.z > d.z;
  return n < entity;
}
