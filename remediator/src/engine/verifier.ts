import type { Labels } from '@homeostat/contracts';
import { renderTemplate } from '../policy/match';
import type { Verify } from '../policy/policy-schema';
import { promString, type PrometheusClient } from './prometheus-client';

export interface VerifyOutcome {
  passed: boolean;
  /** What was observed last: whether the alert still fired and the entity's score. */
  detail: { resolved: boolean; score: number | null; checks: number; reason: string };
}

export interface VerifierDeps {
  prometheus: Pick<PrometheusClient, 'query'> | null;
  /** Whether the resolved webhook for this incident arrived (read from the audit store). */
  resolvedByWebhook: () => boolean;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Stops waiting early (shutdown); counts as not passed. */
  signal?: AbortSignal;
}

/**
 * The post-condition of an action: the alert resolves (Prometheus ALERTS has no firing series for
 * its labels, or the resolved webhook came) and the entity's homeostat_anomaly_score stays below 1
 * for `stableSeconds`, all within `timeoutSeconds`.
 */
export async function verifyRecovery(v: Verify, labels: Labels, deps: VerifierDeps): Promise<VerifyOutcome> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = deps.now ?? Date.now;
  const deadline = now() + v.timeoutSeconds * 1000;
  let stableSince: number | null = null;
  let checks = 0;
  let resolved = false;
  let score: number | null = null;
  let reason = 'timed out';
  const alertsExpr = `ALERTS{alertstate="firing",${Object.entries(labels)
    .filter(([k]) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k))
    .map(([k, val]) => `${k}=${promString(val)}`)
    .join(',')}}`;
  const scoreExpr = v.scoreQuery ? renderTemplate(v.scoreQuery, labels) : null;
  for (;;) {
    if (deps.signal?.aborted)
      return { passed: false, detail: { resolved, score, checks, reason: 'shutting down' } };
    checks++;
    try {
      resolved = deps.resolvedByWebhook();
      if (!resolved && deps.prometheus) resolved = (await deps.prometheus.query(alertsExpr)).length === 0;
      score = null;
      if (scoreExpr && deps.prometheus) {
        const r = await deps.prometheus.query(scoreExpr);
        const vals = r.map((x) => x.value).filter((x) => Number.isFinite(x));
        score = vals.length ? Math.max(...vals) : null;
      }
      const ok = (!v.requireResolved || resolved) && (score === null || score < 1);
      reason = ok
        ? 'recovering'
        : !resolved && v.requireResolved
          ? 'alert still firing'
          : `anomaly score ${score} >= 1`;
      if (ok) {
        stableSince ??= now();
        if (now() - stableSince >= v.stableSeconds * 1000) {
          return {
            passed: true,
            detail: { resolved, score, checks, reason: 'alert resolved and score below 1' },
          };
        }
      } else {
        stableSince = null;
      }
    } catch (e) {
      // A Prometheus hiccup is not proof of failure; keep polling until the deadline.
      reason = `prometheus unavailable: ${e instanceof Error ? e.message : String(e)}`;
      stableSince = null;
    }
    if (now() >= deadline) return { passed: false, detail: { resolved, score, checks, reason } };
    await sleep(Math.min(v.intervalSeconds * 1000, Math.max(0, deadline - now())));
  }
}
