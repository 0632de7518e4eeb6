import { RemediatorError } from '../errors';
import type { TargetSnapshot } from '../policy/decide';
import type { ActRequest, Plan } from './actuator';
import type { ProcessCalls } from './process-calls';
import { alertedReplica, removeReplica, type ProcessGroup } from './process-group';
import { replicasToRestart, restartReplicas } from './process-roll';
import { rankRecord, rankReplicas, worstFirst } from './replica-rank';
import { replicaUrl as url, type Replica } from './process-supervisor';

/**
 * The process actuator's plan of each action on a group: the API call it records and the run that
 * makes it. Restart replaces the alerted replica without a gap (process-restart.ts); stop signals
 * it; scale_out spawns on free ports of the group's range and registers with the gateway; scale_in
 * removes only replicas a scale-out added; isolate unregisters; shift_traffic sets gateway weights;
 * cache_enable calls every backend.
 */
export async function planProcessAction(
  c: ProcessCalls,
  g: ProcessGroup,
  req: ActRequest,
  before: TargetSnapshot,
): Promise<Plan> {
  const svc = encodeURIComponent(g.cfg.name);
  // the replica an action on one replica is about (resolved only by those: an unknown `instance`
  // must not fail a scale-out or the cache, which concern the whole group)
  const one = () => alertedReplica(g.replicas, req.labels.instance);
  switch (req.action) {
    case 'restart':
    case 'stop': {
      const grace = Number(req.params.graceSeconds ?? 10);
      const respawn = req.action === 'restart';
      const inst = respawn ? null : one();
      const planned = inst ? { down: [], roll: [inst] } : replicasToRestart(g.replicas, req.labels.instance);
      // a roll over several replicas replaces the one the step's query singles out first
      const ranked =
        planned.roll.length > 1
          ? await rankReplicas(c.query, req.params.worstFirst, req.labels)
          : { rank: null, why: null };
      const set = { ...planned, roll: worstFirst(planned.roll, ranked.rank) };
      // in the call, so the audit keeps the ranking even when the roll fails
      const ranking = {
        ...(ranked.rank ? { worstFirst: rankRecord(ranked.rank) } : {}),
        ...(ranked.why ? { worstFirstSkipped: ranked.why } : {}),
      };
      return {
        apiCall: {
          method: 'SIGNAL',
          // the replicas planned (those failing their ready probe go first when it runs); the
          // snapshot after it (`restarted`) says which were, in order
          path: `process://${g.cfg.name}/${[...set.down, ...set.roll].map((r) => r.port).join(',')}`,
          body: { signal: 'SIGTERM', graceSeconds: grace, respawn, ...ranking },
        },
        run: async () => {
          if (!inst) {
            const { restarted, surgePort } = await restartReplicas(c, g, set, {
              graceSeconds: grace,
              incidentId: req.incidentId,
              ...(req.signal ? { signal: req.signal } : {}),
            });
            return {
              ...(await c.snapshot(req.target)),
              restarted,
              ...(surgePort !== null ? { surgePort } : {}),
              ...ranking,
            };
          }
          // out of the gateway first, then drained, so requests in flight finish and discovery drops
          // it before it stops answering (never a false target-down)
          await c.admin.gateway('DELETE', `/admin/upstreams/${svc}`, { url: url(inst.port) }, [404]);
          await c.drain();
          await c.sup.kill(inst, grace);
          return c.snapshot(req.target);
        },
      };
    }
    case 'scale_out': {
      const want =
        (req.desiredReplicas ?? Number(before.replicas) + 1) - g.replicas.filter((r) => !r.isolated).length;
      const ports = await c.freePorts(g, Math.max(0, want));
      return {
        apiCall: {
          method: 'POST',
          path: `${c.gatewayUrl}/admin/upstreams/${svc}`,
          contentType: 'application/json',
          body: { url: url(ports[0] ?? 0), spawn: ports },
        },
        run: async () => {
          for (const port of ports) {
            const r: Replica = {
              port,
              child: c.sup.spawn(g.cfg, port),
              extra: true,
              isolated: false,
              incidentId: req.incidentId,
              ...(c.hold ? { holdUntil: c.hold.until() } : {}),
            };
            g.replicas.push(r);
            try {
              await c.sup.waitReady(g.cfg, port, r.child);
              await c.admin.gateway('POST', `/admin/upstreams/${svc}`, { url: url(port) });
            } catch (e) {
              // A replica that never came up is not left behind half-registered.
              await c.sup.kill(r, 1);
              removeReplica(g.replicas, r);
              throw e;
            }
          }
          return { ...(await c.snapshot(req.target)), spawned: ports };
        },
      };
    }
    case 'scale_in': {
      const n =
        g.replicas.filter((r) => !r.isolated).length - (req.desiredReplicas ?? Number(before.replicas) - 1);
      // n <= 0 removes nothing (slice(-0) would be every extra replica)
      const victims = n > 0 ? g.replicas.filter((r) => r.extra).slice(-n) : [];
      return {
        apiCall: {
          method: 'DELETE',
          path: `${c.gatewayUrl}/admin/upstreams/${svc}`,
          contentType: 'application/json',
          body: { url: url(victims[0]?.port ?? 0) },
        },
        run: async () => {
          for (const v of victims) {
            await c.admin.gateway('DELETE', `/admin/upstreams/${svc}`, { url: url(v.port) }, [404]);
            await c.drain();
            await c.sup.kill(v, 10);
            removeReplica(g.replicas, v);
          }
          return { ...(await c.snapshot(req.target)), removed: victims.map((v) => v.port) };
        },
      };
    }
    case 'isolate': {
      const inst = one();
      const body = { url: url(inst.port) };
      return {
        apiCall: {
          method: 'DELETE',
          path: `${c.gatewayUrl}/admin/upstreams/${svc}`,
          contentType: 'application/json',
          body,
        },
        run: async () => {
          await c.admin.gateway('DELETE', `/admin/upstreams/${svc}`, body);
          inst.isolated = true;
          return { ...(await c.snapshot(req.target)), isolatedPort: inst.port };
        },
      };
    }
    case 'shift_traffic': {
      const weight = Number(req.params.weight ?? 0.1);
      const inst = one();
      const weights = Object.fromEntries(
        g.replicas.filter((r) => !r.isolated).map((r) => [url(r.port), r === inst ? weight : 1]),
      );
      return {
        apiCall: {
          method: 'POST',
          path: `${c.gatewayUrl}/admin/weights/${svc}`,
          contentType: 'application/json',
          body: { weights },
        },
        run: async () => {
          await c.admin.gateway('POST', `/admin/weights/${svc}`, { weights });
          return { ...(await c.snapshot(req.target)), weights };
        },
      };
    }
    case 'cache_enable': {
      const enabled = req.params.enabled !== false;
      const first = g.cfg.cacheUrl.replaceAll('{port}', String((g.replicas[0] ?? one()).port));
      return {
        apiCall: { method: 'POST', path: first, contentType: 'application/json', body: { enabled } },
        run: async () => {
          for (const r of g.replicas)
            await c.admin.http(
              'POST',
              g.cfg.cacheUrl.replaceAll('{port}', String(r.port)),
              { enabled },
              c.adminToken,
            );
          return { ...(await c.snapshot(req.target)), cache: enabled };
        },
      };
    }
    default:
      throw new RemediatorError('ACTION_UNSUPPORTED', `process actuator cannot ${req.action}`, {
        field: 'action',
      });
  }
}
