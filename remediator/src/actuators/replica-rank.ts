import type { Labels } from '@homeostat/contracts';
import { promString } from '../engine/prometheus-client';
import { renderTemplate } from '../policy/match';
import { instancePort } from './process-group';

/** An instant PromQL query: one value per series (the remediator's PrometheusClient.query). */
export type InstantQuery = (expr: string) => Promise<{ metric: Record<string, string>; value: number }[]>;

/**
 * How bad each replica looks, by port, from a restart step's `worstFirst` query (a PromQL template
 * over the alert's labels, one series per replica, its `instance` label `host:port`, larger is
 * worse), so a roll over an alert about the whole service replaces the replica that stands out
 * first. Without it the roll goes in configuration order: with an error spike on the second of two
 * replicas, the healthy first one restarted first and the faulty one took every request meanwhile.
 *
 * Best effort: no query, an unanswered one, a template naming a label the alert lacks or a NaN
 * value leave the order as it was (a ranking is a preference; failing the restart
 * over it would leave the fault in place). Returns null when nothing was ranked, and the reason.
 */
export async function rankReplicas(
  query: InstantQuery | undefined,
  template: unknown,
  labels: Labels,
): Promise<{ rank: Map<number, number>; why: null } | { rank: null; why: string | null }> {
  if (template === undefined) return { rank: null, why: null };
  if (typeof template !== 'string') return { rank: null, why: 'worstFirst is not a string' };
  if (!query) return { rank: null, why: "worstFirst needs the remediator's prometheus.url" };
  // label values go inside the template's double-quoted matchers: escaped, so a quote or backslash
  // in one cannot end the string and change the selector (or break the query)
  const quoted = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, promString(v).slice(1, -1)]));
  const expr = renderTemplate(template, quoted);
  if (expr === null) return { rank: null, why: `worstFirst names a label the alert does not carry` };
  let timer: NodeJS.Timeout | undefined;
  // bounded: a slow Prometheus must not hold the restart (the client itself waits up to 10 s)
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${RANK_TIMEOUT_MS} ms`)), RANK_TIMEOUT_MS);
  });
  try {
    const rank = new Map<number, number>();
    for (const s of await Promise.race([query(expr), late])) {
      const port = s.metric.instance === undefined ? NaN : instancePort(s.metric.instance);
      // +Inf is the worst (e.g. errors over successes with none left); NaN (0/0, no traffic) ranks nothing
      if (Number.isInteger(port) && !Number.isNaN(s.value))
        rank.set(port, Math.max(s.value, rank.get(port) ?? -Infinity));
    }
    return rank.size > 0
      ? { rank, why: null }
      : { rank: null, why: `worstFirst returned no replica: ${expr}` };
  } catch (e) {
    return { rank: null, why: `worstFirst query failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    clearTimeout(timer);
  }
}

const RANK_TIMEOUT_MS = 3000;

/** `items` worst first by `rank` (unranked ones after, in their order); a stable sort. */
export function worstFirst<T extends { port: number }>(
  items: readonly T[],
  rank: Map<number, number> | null,
): T[] {
  if (!rank) return [...items];
  const score = (x: T) => rank.get(x.port) ?? -Infinity;
  return items
    .map((x, i) => ({ x, i }))
    .sort((a, b) => score(b.x) - score(a.x) || a.i - b.i)
    .map((e) => e.x);
}

/** The ranking as the audit records it, by port; +Inf as a string (JSON would write null, as if unranked). */
export function rankRecord(rank: Map<number, number>): Record<number, number | string> {
  return Object.fromEntries([...rank].map(([port, v]) => [port, Number.isFinite(v) ? v : String(v)]));
}
