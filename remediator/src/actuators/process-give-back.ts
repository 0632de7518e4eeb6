import type { Target } from '@homeostat/contracts';
import type { ProcessCalls } from './process-calls';
import { removeReplica, type ProcessGroup } from './process-group';
import { isAlive, replicaUrl as url } from './process-supervisor';
import type { SweepContext } from './scale-out-hold';

/**
 * Gives back the oldest scale-out replica past its hold of each group that no action runs on and
 * no incident holds: out of the list first (a scale_in or undo started meanwhile does not pick
 * it), out of the gateway (already gone is fine), then stopped; reported one by one, with the
 * group's live replica count before and after.
 * `holdSeconds`: the hold's length, to report how long each replica was held.
 */
export async function giveBackProcessReplicas(
  c: ProcessCalls,
  groups: Iterable<ProcessGroup>,
  holdSeconds: number,
  ctx: SweepContext,
): Promise<void> {
  for (const g of groups) {
    const target: Target = { actuator: 'process', kind: 'process-group', name: g.cfg.name };
    if (!ctx.mayAct()) return;
    if (g.busy > 0 || ctx.targetBusy(target)) continue;
    const r = g.replicas
      .filter((x) => x.extra && x.holdUntil !== undefined && x.holdUntil <= ctx.now)
      .sort((a, b) => a.holdUntil! - b.holdUntil!)[0];
    if (!r) continue;
    // never the group's last live replica: a restart that failed leaves its surge as the only one
    if (!g.replicas.some((x) => x !== r && !x.isolated && isAlive(x)))
      continue;
    // live replicas as snapshot() counts them: the timeline shows the change the give-back made
    const live = (): number => g.replicas.filter((x) => !x.isolated).length;
    const before = live();
    removeReplica(g.replicas, r);
    try {
      if (!r.isolated)
        await c.admin.gateway(
          'DELETE',
          `/admin/upstreams/${encodeURIComponent(g.cfg.name)}`,
          { url: url(r.port) },
          [404],
        );
    } catch (e) {
      g.replicas.push(r); // still serving: given back on the next sweep
      ctx.failed('process', String(r.port), e);
      continue;
    }
    if (!r.isolated) await c.drain();
    await c.sup.kill(r, 10);
    ctx.given({
      actuator: 'process',
      target,
      replica: String(r.port),
      incidentId: r.incidentId ?? null,
      heldSeconds: Math.round(holdSeconds + (ctx.now - r.holdUntil!) / 1000),
      replicas: { before, after: live() },
    });
  }
}
