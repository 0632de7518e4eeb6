import { decisionRecord } from '../engine/decision-record';
import { decide } from '../policy/decide';
import { matchRule } from '../policy/match';
import type { Policy } from '../policy/policy-schema';
import type { IncomingAlert, IntakeDecision } from '../store/records';

/**
 * Decides at intake a firing alert no policy rule matches, so it costs no job and no engine pass:
 * the common case of an Alertmanager receiver that gets every alert. The decision is the engine's
 * own (decide() at step 0 says `no_rule` before any other guard: kill switch, leadership, cooldown),
 * and the rows are the ones the engine writes for it (LadderStep.onSkip, IncidentEnd), so the
 * incident, its actions, the timeline and the audit log read the same either way.
 *
 * Read with the policy in force when the notification arrives. The engine closed a `no_rule`
 * incident on its first pass, moments later, and a closed incident is never looked at again, so a
 * policy changed afterwards never reached it either: deciding at intake changes no outcome.
 * Returns null for every other alert (resolved, or matched by a rule): those take the job path.
 */
export function decideUnmatched(policy: Policy, a: IncomingAlert): IntakeDecision | null {
  if (a.status !== 'firing' || matchRule(policy, a.labels, a.annotations) !== null) return null;
  const d = decide({
    policy,
    alert: { status: a.status, labels: a.labels, annotations: a.annotations },
    step: 0,
    now: 0,
    killSwitch: false,
    isLeader: true,
    state: () => {
      throw new Error('no rule matches: decide() reads no guard state');
    },
  });
  if (d.kind !== 'skip' || d.code !== 'no_rule') return null;
  const { incidentId: _, ...action } = decisionRecord('', 0, d, 'skipped', null);
  const why = `${d.code}: ${d.reason}`;
  return { action, status: 'escalated', reason: d.code, why };
}
