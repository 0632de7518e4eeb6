import type { ApiCall } from '@homeostat/contracts';
import { RemediatorError } from '../errors';
import type { TargetSnapshot } from '../policy/decide';
import type { ActRequest, Plan } from './actuator';
import type { ProcessCalls } from './process-calls';
import { removeReplica, type ProcessGroup } from './process-group';
import { replicaUrl as url } from './process-supervisor';

/**
 * Undoes an action on a group after failed verification; returns the call made, or null when
 * there was nothing to undo. `replan` plans an action the way the actuator does (cache_enable is
 * undone by the opposite toggle).
 */
export async function undoProcessAction(
  c: ProcessCalls,
  g: ProcessGroup,
  req: ActRequest,
  after: TargetSnapshot,
  replan: (req: ActRequest, before: TargetSnapshot) => Promise<Plan>,
): Promise<ApiCall | null> {
  const svc = encodeURIComponent(g.cfg.name);
  switch (req.action) {
    case 'scale_out': {
      // Exactly the replicas this scale-out spawned (by port, marked extra): never a configured
      // one, never one another action spawned. One already gone is not removed twice.
      const spawned = after.spawned;
      if (!Array.isArray(spawned))
        throw new RemediatorError(
          'ACTUATOR_FAILED',
          'scale_out recorded no spawned replicas; nothing to undo by identity',
        );
      const mine = spawned.flatMap((port) => g.replicas.filter((r) => r.extra && r.port === Number(port)));
      for (const r of mine) {
        await c.admin.gateway('DELETE', `/admin/upstreams/${svc}`, { url: url(r.port) }, [404]);
        await c.drain();
        await c.sup.kill(r, 10);
        removeReplica(g.replicas, r);
      }
      if (mine.length === 0) return null; // already gone (reaped at start-up): not "rolled back" by us
      return {
        method: 'DELETE',
        path: `${c.gatewayUrl}/admin/upstreams/${svc}`,
        contentType: 'application/json',
        body: { urls: mine.map((r) => url(r.port)) },
      };
    }
    case 'isolate': {
      const port = Number(after.isolatedPort);
      const r = g.replicas.find((x) => x.port === port);
      if (r) r.isolated = false;
      const body = { url: url(port) };
      await c.admin.gateway('POST', `/admin/upstreams/${svc}`, body);
      return {
        method: 'POST',
        path: `${c.gatewayUrl}/admin/upstreams/${svc}`,
        contentType: 'application/json',
        body,
      };
    }
    case 'shift_traffic': {
      const weights = Object.fromEntries(g.replicas.filter((r) => !r.isolated).map((r) => [url(r.port), 1]));
      await c.admin.gateway('POST', `/admin/weights/${svc}`, { weights });
      return {
        method: 'POST',
        path: `${c.gatewayUrl}/admin/weights/${svc}`,
        contentType: 'application/json',
        body: { weights },
      };
    }
    case 'cache_enable': {
      const plan = await replan({ ...req, params: { enabled: !(after.cache as boolean) } }, after);
      await plan.run();
      return plan.apiCall;
    }
    default:
      return null; // restart, stop, scale_in: nothing safe to undo automatically
  }
}
