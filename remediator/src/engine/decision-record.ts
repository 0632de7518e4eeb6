import type { ApiCall } from '@homeostat/contracts';
import type { Decision, TargetSnapshot } from '../policy/decide';
import { targetKey } from '../policy/match';
import type { NewAction } from '../store/records';

export type RecordResult = 'skipped' | 'failed' | 'pending_approval' | 'dry_run' | 'succeeded';

/**
 * The action row (and its `decision` / `action_started` audit record) a decision leaves: one shape
 * whether the engine decided it or the intake did (an alert no rule matches, receivers/unmatched-alert.ts).
 */
export function decisionRecord(
  incidentId: string,
  step: number,
  d: Decision,
  result: RecordResult,
  error: string | null,
  before: TargetSnapshot | null = null,
  apiCall: ApiCall | null = null,
): NewAction {
  // No ladder step applies (no rule, ladder exhausted): the record is about paging humans.
  const action = d.action ?? 'notify';
  const reason = d.kind === 'skip' ? `${d.code}: ${d.reason}` : d.reason;
  return {
    incidentId,
    action,
    step,
    rule: d.rule,
    reason,
    target: d.target,
    targetKey: d.target ? targetKey(d.target) : null,
    apiCall,
    before,
    result,
    verification: 'not_applicable',
    phase: 'done',
    error,
    service: d.service,
  };
}
