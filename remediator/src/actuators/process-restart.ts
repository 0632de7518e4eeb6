import { RemediatorError } from '../errors';
import type { ProcessCalls } from './process-calls';
import { removeReplica, type ProcessGroup } from './process-group';
import { isAlive as alive, replicaUrl as url, type Replica } from './process-supervisor';

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
 * A replica that is dead, or that the gateway does not list, has no traffic to move: it is restarted
 * in place and registered again. When a step after the replica left the gateway fails, a replica
 * that answers again is registered again and the surge retired; otherwise the surge keeps serving
 * (never an empty gateway) and the error names it. The gateway's entries are matched by URL as
 * `http://127.0.0.1:<port>`; a gateway that also discovers replicas (DNS, a file) may add one back
 * while it restarts.
 */
export async function restartWithoutGap(
  c: ProcessCalls,
  g: ProcessGroup,
  inst: Replica,
  o: { graceSeconds: number; incidentId?: string },
): Promise<{ surgePort: number | null }> {
  const svc = `/admin/upstreams/${encodeURIComponent(g.cfg.name)}`;
  const routed = c.gatewayUrl !== '' && !inst.isolated;
  // a dead replica has no traffic to move, and its restart must not wait on the gateway's API
  const pool = routed && alive(inst) ? await routedReplicas(c, g.cfg.name) : null;
  const mine = pool?.find((r) => r.url === url(inst.port));
  if (!pool || !mine) {
    await restartInPlace(c, g, inst, o.graceSeconds);
    if (routed) await register(c, g, svc, inst);
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
    // A replica that came back serves again (registered with its weight); one that did not leaves
    // the surge as its group's capacity: an extra the scale-out hold gives back once another
    // replica serves (process-give-back.ts never takes a group's last live replica).
    if (alive(inst) && (await answers(c, g, inst))) {
      await register(c, g, svc, inst, mine.weight);
      if (surge) await retire(c, g, svc, surge);
      throw e;
    }
    if (!surge) throw e;
    if (c.hold) surge.holdUntil = c.hold.until();
    throw new RemediatorError(
      'ACTUATOR_FAILED',
      `restart of ${g.cfg.name} on port ${inst.port} failed (${e instanceof Error ? e.message : String(e)}); ` +
        `the surge replica on port ${surge.port} keeps serving`,
      { cause: e },
    );
  }
  if (surge) await retire(c, g, svc, surge);
  return { surgePort: surge?.port ?? null };
}

/** Registers a replica with the gateway (adding one it already routes to changes nothing); best effort. */
async function register(c: ProcessCalls, g: ProcessGroup, svc: string, r: Replica, weight = 1): Promise<void> {
  try {
    await c.admin.gateway('POST', svc, { url: url(r.port) });
    if (weight !== 1)
      await c.admin.gateway('POST', `/admin/weights/${encodeURIComponent(g.cfg.name)}`, {
        weights: { [url(r.port)]: weight },
      });
  } catch {
    // the replica itself is up; the next restart (or the actuator's start) registers it again
  }
}

async function retire(c: ProcessCalls, g: ProcessGroup, svc: string, surge: Replica): Promise<void> {
  await c.admin.gateway('DELETE', svc, { url: url(surge.port) }, [404]);
  await c.drain();
  await c.sup.kill(surge, 10);
  removeReplica(g.replicas, surge);
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
export async function answers(c: ProcessCalls, g: ProcessGroup, inst: Replica): Promise<boolean> {
  try {
    return (await fetch(`${url(inst.port)}${g.cfg.readyPath}`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}
