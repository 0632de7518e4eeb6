/**
 * The call graph as the ranker walks it: callees and callers of each entity, and which entities
 * sit on a common cycle (strongly connected component), where "the callee explains the caller"
 * holds both ways and time has to decide. Entities in no edge are valid: they have no neighbours.
 */
export class CallGraph {
  private readonly callees = new Map<string, Set<string>>();
  private readonly callers = new Map<string, Set<string>>();
  private readonly component = new Map<string, number>();

  constructor(edges: readonly { caller: string; callee: string }[]) {
    for (const { caller, callee } of edges) {
      if (caller === callee) continue; // a self-call explains nothing
      this.link(this.callees, caller, callee);
      this.link(this.callers, callee, caller);
    }
    this.findComponents();
  }

  private link(map: Map<string, Set<string>>, from: string, to: string): void {
    let s = map.get(from);
    if (!s) map.set(from, (s = new Set()));
    s.add(to);
  }

  /** True when a and b can each reach the other (both on one cycle). */
  sameCycle(a: string, b: string): boolean {
    const ca = this.component.get(a);
    return ca !== undefined && ca === this.component.get(b);
  }

  /**
   * The nearest entities in one direction that `observed` accepts, walking through those it does
   * not (an entity with no data for the metric cannot show the anomaly passing through it, so the
   * walk looks past it); never returns `from` itself.
   */
  nearest(from: string, direction: 'callees' | 'callers', observed: (e: string) => boolean): string[] {
    const map = direction === 'callees' ? this.callees : this.callers;
    const out: string[] = [];
    const seen = new Set<string>([from]);
    const queue = [...(map.get(from) ?? [])];
    while (queue.length) {
      const e = queue.shift() as string;
      if (seen.has(e)) continue;
      seen.add(e);
      if (observed(e)) out.push(e);
      else queue.push(...(map.get(e) ?? []));
    }
    return out;
  }

  /** True when the entity is in at least one edge. */
  has(entity: string): boolean {
    return this.callees.has(entity) || this.callers.has(entity);
  }

  /** True when `from` depends on `to` through one or more calls (`from` is upstream of `to`). */
  calls(from: string, to: string): boolean {
    return this.nearest(from, 'callees', (e) => e === to).length > 0;
  }

  /** Tarjan's algorithm, iterative so that a long chain cannot overflow the stack. */
  private findComponents(): void {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    let next = 0;
    let components = 0;
    const nodes = new Set([...this.callees.keys(), ...this.callers.keys()]);
    for (const root of nodes) {
      if (index.has(root)) continue;
      const work: { node: string; children: string[]; i: number }[] = [];
      const enter = (node: string) => {
        index.set(node, next);
        low.set(node, next++);
        stack.push(node);
        onStack.add(node);
        work.push({ node, children: [...(this.callees.get(node) ?? [])], i: 0 });
      };
      enter(root);
      while (work.length) {
        const top = work[work.length - 1];
        if (top.i < top.children.length) {
          const child = top.children[top.i++];
          if (!index.has(child)) enter(child);
          else if (onStack.has(child))
            low.set(top.node, Math.min(low.get(top.node) as number, index.get(child) as number));
          continue;
        }
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].node;
          low.set(parent, Math.min(low.get(parent) as number, low.get(top.node) as number));
        }
        if (low.get(top.node) === index.get(top.node)) {
          let member: string;
          do {
            member = stack.pop() as string;
            onStack.delete(member);
            this.component.set(member, components);
          } while (member !== top.node);
          components++;
        }
      }
    }
  }
}
