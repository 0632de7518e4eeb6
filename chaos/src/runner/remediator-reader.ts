import { ActionsResponse } from '@homeostat/contracts';
import type { ActionObservation } from './run-record';

/** The remediator's audit log of actions in [from, to] (GET /api/v1/actions); [] when it is unreachable. */
export async function readActions(remediatorUrl: string, from: number, to: number): Promise<{ actions: ActionObservation[]; error?: string }> {
  try {
    const res = await fetch(`${remediatorUrl}/api/v1/actions?from=${from}&to=${to}`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return { actions: [], error: `HTTP ${res.status}` };
    const parsed = ActionsResponse.safeParse(await res.json());
    if (!parsed.success) return { actions: [], error: `unexpected body: ${parsed.error.issues[0]?.message}` };
    return {
      actions: parsed.data.actions.map((a) => ({
        action: a.action,
        result: a.result,
        verification: a.verification,
        startedAt: a.startedAt,
        finishedAt: a.finishedAt,
        target: a.target ? a.target.name : null,
        reason: a.reason,
      })),
    };
  } catch (e) {
    return { actions: [], error: (e as Error).message };
  }
}

/** Actions started since `since` that are still running or waiting for their verification. */
export async function unverifiedActions(remediatorUrl: string | null, since: number): Promise<number> {
  if (!remediatorUrl) return 0;
  const r = await readActions(remediatorUrl, since, Date.now());
  return r.actions.filter((a) => a.result !== 'skipped' && (a.finishedAt === null || a.verification === 'pending')).length;
}
