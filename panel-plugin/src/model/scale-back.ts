import { ScaleBack } from '@homeostat/contracts';

/**
 * The detail of a `scale_back` timeline entry read as the remediator wrote it (contracts
 * ScaleBack); undefined when it is not one (an older or foreign source), so the entry is still
 * drawn, with its raw detail.
 */
export function readScaleBack(detail: Record<string, unknown>): ScaleBack | undefined {
  const r = ScaleBack.safeParse(detail);
  return r.success ? r.data : undefined;
}

/** The capacity change as the lane labels it: "2→1" where the actuator counted replicas, else "−1". */
export function replicaChange(s: ScaleBack): string {
  return s.replicas ? `${s.replicas.before}→${s.replicas.after}` : '−1';
}

/** Hover lines of a give-back: what was given back, from where, and which incident's scale-out added it. */
export function scaleBackLines(s: ScaleBack): Array<[string, string]> {
  const t = s.target;
  return [
    ['target', `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`],
    ['actuator', s.actuator],
    ['replicas', s.replicas ? `${s.replicas.before} → ${s.replicas.after}` : 'not counted'],
    ['given back', s.replica],
    ['held', `${Math.round(s.heldSeconds)} s`],
    ['incident', s.incidentId ?? 'none recorded'],
  ];
}
