import { renderTemplate } from '../policy/match';
import type { Verify } from '../policy/policy-schema';
import type { AlertIdentity, AlertReader } from './alert-reader';

/**
 * passed: resolved and the score stayed below 1 long enough. failed: a read showed the alert still
 * firing or the score high. unknown: the last check could not read (source down, no fresh score)
 * and nothing readable said it failed; it neither heals nor climbs the ladder.
 */
export type VerifyResult = 'passed' | 'failed' | 'unknown';

export interface VerifyOutcome {
  result: VerifyResult;
  /** What was observed last: whether the alert still fired and the entity's score. */
  detail: { resolved: boolean | null; score: number | null; checks: number; reason: string };
}

export interface VerifierDeps {
  alerts: AlertReader | null;
  /** Whether the resolved webhook for this incident arrived (read from the audit store). */
  resolvedByWebhook: () => boolean;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Stops waiting early (shutdown): the result is unknown and recover() resumes it. */
  signal?: AbortSignal;
}

type Check = { state: 'ok' | 'bad' | 'unreadable'; reason: string };
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The post-condition of an action: the alert itself resolves (the resolved webhook, or the alert
 * is gone from Alertmanager / ALERTS) and the entity's score stays below 1 for `stableSeconds`,
 * within `timeoutSeconds`.
 */
export async function verifyRecovery(
  v: Verify,
  alert: AlertIdentity,
  deps: VerifierDeps,
): Promise<VerifyOutcome> {
  const deadline = deps.now() + v.timeoutSeconds * 1000;
  const scoreExpr = v.scoreQuery ? renderTemplate(v.scoreQuery, alert.labels) : null;
  let stableSince: number | null = null;
  let checks = 0;
  let resolved: boolean | null = null;
  let score: number | null = null;
  // The last check that was not OK decides a timeout: a recovery too short to be stable is judged
  // by what came before it.
  let lastNotOk: Check = { state: 'unreadable', reason: 'not checked' };
  for (;;) {
    if (deps.signal?.aborted)
      return { result: 'unknown', detail: { resolved, score, checks, reason: 'shutting down' } };
    checks++;
    const parts: Check[] = [];
    if (v.requireResolved) {
      resolved = deps.resolvedByWebhook() ? true : null;
      if (!resolved && deps.alerts) {
        try {
          resolved = !(await deps.alerts.firing(alert));
        } catch (e) {
          resolved = null;
          parts.push({ state: 'unreadable', reason: `alert state not readable: ${errText(e)}` });
        }
      } else if (!resolved) {
        parts.push({ state: 'unreadable', reason: 'no resolved webhook and no alert source configured' });
      }
      if (resolved === false) parts.push({ state: 'bad', reason: 'alert still firing' });
    }
    if (scoreExpr) {
      try {
        const s = deps.alerts ? await deps.alerts.score(scoreExpr) : null;
        score = s?.value ?? null;
        if (!deps.alerts) parts.push({ state: 'unreadable', reason: 'no score source configured' });
        else if (!s) parts.push({ state: 'unreadable', reason: 'no score sample' });
        else if (s.ageSeconds !== null && s.ageSeconds > v.scoreMaxAgeSeconds)
          parts.push({ state: 'unreadable', reason: `score sample ${Math.round(s.ageSeconds)}s old` });
        else if (s.value >= 1) parts.push({ state: 'bad', reason: `anomaly score ${s.value} >= 1` });
      } catch (e) {
        score = null;
        parts.push({ state: 'unreadable', reason: `score not readable: ${errText(e)}` });
      }
    }
    const check = parts.find((p) => p.state === 'bad') ?? parts.find((p) => p.state === 'unreadable');
    if (!check) {
      stableSince ??= deps.now();
      if (deps.now() - stableSince >= v.stableSeconds * 1000)
        return {
          result: 'passed',
          detail: { resolved, score, checks, reason: 'alert resolved and score below 1' },
        };
    } else {
      stableSince = null;
      lastNotOk = check;
    }
    if (deps.now() >= deadline) {
      const result = lastNotOk.state === 'bad' ? 'failed' : 'unknown';
      return { result, detail: { resolved, score, checks, reason: lastNotOk.reason } };
    }
    await deps.sleep(Math.min(v.intervalSeconds * 1000, Math.max(0, deadline - deps.now())));
  }
}
