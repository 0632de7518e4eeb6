import { RemediatorError } from '../errors';
import type { ProcessCalls } from './process-calls';
import { removeReplica, type ProcessGroup } from './process-group';
import { replicaUrl as url, type Replica } from './process-supervisor';

const alive = (r: Replica): boolean => !!r.child && r.child.exitCode === null && r.child.signalCode === null;

/** A replica as the gateway's `GET /admin/upstreams` lists it. */
interface Routed {
  url: string;
  weight: number;
  inRotation: boolean;
}

/**
 * Restarts one replica without a gap in service, the way a Deployment's rolling update does with
 * maxSurge 1 / maxUnavailable 0: a replica the gateway routes to leaves the gateway before it is
 * signalled, and when no other replica of its group is in rotation (by the gateway's own account:
 * weight > 0, not ejected), a surge replica on a free port of the group's range takes its traffic
 * first. A plain kill-and-respawn of a lone replica turned a slow service into a failing one for the
 * second or two it took to come back, so restarting a replica for latency would have traded slow
 * answers for errors.
 *
 * The surge replica is removed again at the end: a restart does not change capacity (adding some is
 * scale_out's job). The restarted replica gets its gateway weight back (a traffic shift stays).
 * A replica the gateway does not route to (dead, never registered, left out by a failed restart)
 * has no traffic to move: it is restarted in place and registered again. When a step after the
 * replica left the gateway fails, the surge replica keeps serving (never an empty gateway) and stays
 * until scale_in or an undo takes it; the error names it.
 */
export async function restartWithoutGap(
  c: ProcessCalls,
  g: ProcessGroup,
  inst: Replica,
  o: { graceSeconds: number; incidentId?: string },
): Promise<{ surgePort: number | null }> {
  const svc = `/admin/upstreams/${encodeURIComponent(g.cfg.name)}`;
  const pool = c.gatewayUrl !== '' && !inst.isolated ? await routedReplicas(c, g.cfg.name) : null;
  const mine = pool?.find((r) => r.url === url(inst.port));
  if (!pool || !mine || !alive(inst)) {
    await restartInPlace(c, g, inst, o.graceSeconds);
    if (pool) await c.admin.gateway('POST', svc, { url: url(inst.port) });
    return { surgePort: null };
  }
  let surge: Replica | null = null;
  if (!pool.some((r) => r.url !== mine.url && r.inRotation)) {
    try {
      surge = await startSurge(c, g, svc, o.incidentId);
    } catch (e) {
      // no surge and a replica that still answers: it keeps serving rather than leave nobody in the
      // gateway; one that no longer answers serves nobody, and a restart in place costs nothing
      if (await answers(c, g, inst)) throw e;
      await restartInPlace(c, g, inst, o.graceSeconds);
      return { surgePort: null };
    }
  }
  try {
    await c.admin.gateway('DELETE', svc, { url: url(inst.port) }, [404]);
    await c.drain();
    await restartInPlace(c, g, inst, o.graceSeconds);
    await c.admin.gateway('POST', svc, { url: url(inst.port) });
    if (mine.weight !== 1)
      await c.admin.gateway('POST', `/admin/weights/${encodeURIComponent(g.cfg.name)}`, {
        weights: { [url(inst.port)]: mine.weight },
      });
  } catch (e) {
    if (!surge) throw e;
    throw new RemediatorError(
      'ACTUATOR_FAILED',
      `restart of ${g.cfg.name} on port ${inst.port} failed (${e instanceof Error ? e.message : String(e)}); ` +
        `the surge replica on port ${surge.port} keeps serving until scale_in or an undo`,
      { cause: e },
    );
  }
  if (surge) {
    await c.admin.gateway('DELETE', svc, { url: url(surge.port) }, [404]);
    await c.drain();
    await c.sup.kill(surge, 10);
    removeReplica(g.replicas, surge);
  }
  return { surgePort: surge?.port ?? null };
}

async function routedReplicas(c: ProcessCalls, name: string): Promise<Routed[]> {
  const body = (await c.admin.gatewayJson('/admin/upstreams')) as { services?: Record<string, Routed[]> } | null;
  return body?.services?.[name] ?? [];
}

async function startSurge(c: ProcessCalls, g: ProcessGroup, svc: string, incidentId?: string): Promise<Replica> {
  const [port] = await c.freePorts(g, 1);
  const surge: Replica = {
    port: port!,
    child: c.sup.spawn(g.cfg, port!),
    extra: true,
    isolated: false,
    ...(incidentId ? { incidentId } : {}),
  };
  g.replicas.push(surge);
  try {
    await c.sup.waitReady(g.cfg, surge.port, surge.child);
    await c.admin.gateway('POST', svc, { url: url(surge.port) });
    return surge;
  } catch (e) {
    // a register that timed out may still have been applied: never leave a dead replica routed
    await c.admin.gateway('DELETE', svc, { url: url(surge.port) }, [404]).catch(() => undefined);
    await c.sup.kill(surge, 1);
    removeReplica(g.replicas, surge);
    throw e;
  }
}

async function restartInPlace(c: ProcessCalls, g: ProcessGroup, inst: Replica, graceSeconds: number): Promise<void> {
  await c.sup.kill(inst, graceSeconds);
  inst.child = c.sup.spawn(g.cfg, inst.port);
  await c.sup.waitReady(g.cfg, inst.port, inst.child);
}

/** Whether the replica answers its ready path within a second. */
async function answers(c: ProcessCalls, g: ProcessGroup, inst: Replica): Promise<boolean> {
  try {
    return (await fetch(`${url(inst.port)}${g.cfg.readyPath}`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}
