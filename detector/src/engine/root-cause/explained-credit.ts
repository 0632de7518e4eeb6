/**
 * A root cause explains its symptoms: the more anomalous callers (and their callers) a candidate
 * accounts for, the more the evidence points at it. This is the PetShop traversal baseline's "sum
 * of anomaly scores along the anomalous path to the symptom", made soft: each anomalous entity hands
 * its evidence, weighted by the share a callee explains, down to every callee that explains it, and
 * that callee hands it on further down when it is explained in turn. Evidence is log(1 + z), so ten
 * moderately anomalous callers weigh more than one extreme outlier.
 */
export class ExplainedCredit {
  /** explainer → what it explains: the entity, the share and that entity's evidence. */
  private readonly links = new Map<string, Map<string, { share: number; evidence: number }>>();
  private readonly memo = new Map<string, number>();

  /** Records that `by` explains `share` of an anomaly of `entity` with robust deviation z. */
  add(by: string, entity: string, share: number, z: number): void {
    let m = this.links.get(by);
    if (!m) this.links.set(by, (m = new Map()));
    const evidence = Math.log1p(z);
    const cur = m.get(entity);
    // One link per (explainer, entity): its strongest explained metric.
    if (!cur || cur.share * cur.evidence < share * evidence) m.set(entity, { share, evidence });
  }

  /** The evidence of everything `entity` explains, directly or through what it explains. */
  of(entity: string): number {
    return this.walk(entity, new Set());
  }

  private walk(entity: string, path: Set<string>): number {
    const known = this.memo.get(entity);
    if (known !== undefined) return known;
    path.add(entity);
    let sum = 0;
    // A cycle of explanations (possible only through ties across kinds) is cut where it closes.
    for (const [e, l] of this.links.get(entity) ?? [])
      if (!path.has(e)) sum += l.share * (l.evidence + this.walk(e, path));
    path.delete(entity);
    this.memo.set(entity, sum);
    return sum;
  }
}
