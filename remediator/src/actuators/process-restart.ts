import type { ProcessCalls } from './process-calls';
import { removeReplica, type ProcessGroup } from './process-group';
import { replicaUrl as url, type Replica } from './process-supervisor';

const alive = (r: Replica): boolean => !!r.child && r.child.exitCode === null && r.child.signalCode === null;

/**
 * Restarts one replica without a gap in service, the way a Deployment's rolling update
 * does with maxSurge 1 / maxUnavailable 0: a replica that still answers leaves the gateway before it
 * is signalled, and when it is the group's only one in the gateway, a surge replica on a free port
 * of the group's range takes its traffic first. A plain kill-and-respawn of a lone replica turned a
 * slow service into a failing one for the second or two it took to come back, so restarting a
 * replica for latency would have traded slow answers for errors.
 *
 * The surge replica is removed again at the end (a restart does not change capacity; adding some is
 * scale_out's job). A replica that is already dead has no traffic to move: it is respawned at once.
 * Without a gateway there is nothing to route around either (replicas are reached on their ports).
 */
export async function restartWithoutGap(
  c: ProcessCalls,
  g: ProcessGroup,
  inst: Replica,
  o: { graceSeconds: number; incidentId?: string },
): Promise<{ surgePort: number | null }> {
  const svc = `/admin/upstreams/${encodeURIComponent(g.cfg.name)}`;
  const routed = c.gatewayUrl !== '' && alive(inst) && !inst.isolated;
  if (!routed) {
    await c.sup.kill(inst, o.graceSeconds);
    await respawn(c, g, inst);
    return { surgePort: null };
  }
  const others = g.replicas.filter((r) => r !== inst && !r.isolated && alive(r));
  let surge: Replica | null = null;
  if (others.length === 0) {
    const [port] = await c.freePorts(g, 1);
    surge = {
      port: port!,
      child: c.sup.spawn(g.cfg, port!),
      extra: true,
      isolated: false,
      ...(o.incidentId ? { incidentId: o.incidentId } : {}),
    };
    g.replicas.push(surge);
    try {
      await c.sup.waitReady(g.cfg, surge.port, surge.child);
      await c.admin.gateway('POST', svc, { url: url(surge.port) });
    } catch (e) {
      // no surge, no restart: the replica keeps serving rather than leaving nobody in the gateway
      await c.sup.kill(surge, 1);
      removeReplica(g.replicas, surge);
      throw e;
    }
  }
  await c.admin.gateway('DELETE', svc, { url: url(inst.port) }, [404]);
  await c.drain();
  await c.sup.kill(inst, o.graceSeconds);
  await respawn(c, g, inst);
  await c.admin.gateway('POST', svc, { url: url(inst.port) });
  if (surge) {
    await c.admin.gateway('DELETE', svc, { url: url(surge.port) }, [404]);
    await c.drain();
    await c.sup.kill(surge, 10);
    removeReplica(g.replicas, surge);
  }
  return { surgePort: surge?.port ?? null };
}

async function respawn(c: ProcessCalls, g: ProcessGroup, inst: Replica): Promise<void> {
  inst.child = c.sup.spawn(g.cfg, inst.port);
  await c.sup.waitReady(g.cfg, inst.port, inst.child);
}

