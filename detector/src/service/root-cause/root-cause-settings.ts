import { z } from 'zod';
import { OwnCauseKind, RootCauseOptions } from '../../engine/root-cause';

/**
 * A detector's live root-cause ranking (detector/README.md, "Root cause ranking"): which entity
 * label names a node of the call graph, the graph itself as declared dependencies, and the ranker's
 * settings. Counts are in points at the detector's interval.
 */
export const RootCauseSettings = z
  .object({
    /** Rank concurrent anomalies of this detector's entities and export the verdict. */
    enabled: z.boolean().default(true),
    /** The groupBy label whose value names a node of the call graph (default: the first groupBy label). */
    entityLabel: z.string().min(1).optional(),
    /**
     * Declared call graph: caller -> the callees it depends on, by entity label value
     * (`gateway: [orders, payments]`). A fault in a callee shows in its callers; the ranker uses this to
     * prefer the callee. Without it, entities are ranked by their own deviations only.
     */
    dependencies: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    /** Points of each entity's metrics kept for the ranker: history before an incident, and its start. */
    historyPoints: z.number().int().min(20).default(240),
    /** Quiet points (no entity above the alarm line) after which an incident is over. */
    closeAfterPoints: z.number().int().min(1).default(10),
    /** Entities exported per incident (ranks 1..top). */
    top: z.number().int().min(1).default(3),
    /**
     * Kinds of metric whose rise makes an incident member its own cause when nothing else in the
     * incident can have caused it (engine/root-cause/member-cause.ts): its alert then names itself
     * and the remediator acts on it. `saturation` and `other` only: latency and errors travel
     * upstream, and traffic is demand. `[]` names the rank-1 entity for every member.
     */
    ownCauseKinds: z
      .array(z.enum(OwnCauseKind))
      .refine((k) => new Set(k).size === k.length, 'lists a kind twice')
      .default(['saturation']),
    /** The ranker's own settings (threshold, minHistory, ...). */
    ranker: RootCauseOptions.prefault({}),
  })
  .strict()
  .prefault({});
export type RootCauseSettings = z.infer<typeof RootCauseSettings>;
