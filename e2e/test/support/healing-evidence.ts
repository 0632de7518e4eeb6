import { waitFor } from '@homeostat/testkit';
import type { ActionKind, ActionRecord, Incident } from '@homeostat/contracts';
import { PrometheusReader } from '@homeostat/chaos/dist/runner/prometheus-reader';
import type { RunRecord } from '@homeostat/chaos/dist/runner/run-record';
import type { AlertmanagerWatch } from './alertmanager-watch';
import type { RemediatorClient } from './remediator-client';

/** Detections and actions this long after the fault window still belong to it (the runner's grace). */
const GRACE_MS = 15_000;
/** The stretch before the injection where the service must not look sick yet. */
const BEFORE_MS = 10_000;

export interface Expected {
  service: string;
  alertname: 'HomeostatAnomaly' | 'HomeostatTargetDown';
  action: ActionKind;
}

/** What each stage of the healing loop left behind for one chaos run, read from the real parts. */
export interface HealingEvidence {
  /** Highest homeostat_anomaly_score of the service in Prometheus over the fault window. */
  maxScore: number | null;
  /** Median of the service's last 5 scores before the injection (null: not scored): the detection must begin with the fault. */
  scoreAtInjection: number | null;
  /** Lowest up{job="demo"} of the service over the fault window (0: a scrape failed, the target was down). */
  minUp: number | null;
  minUpBefore: number | null;
  /** Whether Prometheus had the alert firing (ALERTS{alertstate="firing"}). */
  alertFiredInPrometheus: boolean;
  /** When the Alertmanager watch first listed the alert, or null. */
  alertmanagerListedAt: number | null;
  /** The remediator's incident for the alert, delivered by Alertmanager's webhook. */
  incident: Incident | undefined;
  /** The expected action on the service, once its verification has an outcome. */
  action: ActionRecord | undefined;
  /** Every action the remediator took on the service in the window (for messages). */
  actions: { action: string; result: string; verification: string; target: string | null; error: string | null }[];
}

/** Median of a few points: one noisy score is not "already flagged", a run of high scores is. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function collectEvidence(
  run: RunRecord,
  parts: { prometheusUrl: string; remediator: RemediatorClient; alertmanager: AlertmanagerWatch },
  e: Expected,
): Promise<HealingEvidence> {
  const gt = run.groundTruth[0];
  const from = gt.start;
  const to = Math.max(gt.end, run.phases.injectionEnd) + GRACE_MS;
  const prom = new PrometheusReader(parts.prometheusUrl);
  const values = async (expr: string, a = from, b = Math.min(to, Date.now())) =>
    (await prom.range(expr, a, b)).flatMap((s) => s.values.map(([, v]) => v)).filter((v): v is number => v !== null);
  const sel = `service="${e.service}"`;
  const scores = await values(`max(homeostat_anomaly_score{${sel}})`);
  const scoresBefore = await values(`max(homeostat_anomaly_score{${sel}})`, from - BEFORE_MS, from - 1);
  const ups = await values(`min(up{job="demo",${sel}})`);
  const upsBefore = await values(`min(up{job="demo",${sel}})`, from - BEFORE_MS, from - 1000);
  const fired = await values(`max(ALERTS{alertname="${e.alertname}",alertstate="firing",${sel}})`);

  const mine = (a: ActionRecord) => a.action === e.action && a.target?.name === e.service && a.startedAt >= from;
  // the verification of an action goes on after the run (until the alert resolves and the score stays low)
  const action = await waitFor(
    `a ${e.action} of ${e.service} with a verification outcome`,
    async () => {
      const list = (await parts.remediator.actions(from, Date.now(), e.service)).filter(mine);
      return list.find((a) => a.result === 'succeeded' && a.verification === 'passed') ?? list.find((a) => a.verification !== 'pending' && a.result !== 'skipped');
    },
    { timeoutMs: 200_000, intervalMs: 1000 },
  ).catch(() => undefined);
  const all = await parts.remediator.actions(from, Date.now(), e.service);
  const incidents = await parts.remediator.incidents(from - GRACE_MS, Date.now(), e.service);
  return {
    maxScore: scores.length ? Math.max(...scores) : null,
    scoreAtInjection: scoresBefore.length ? median(scoresBefore.slice(-5)) : null,
    minUp: ups.length ? Math.min(...ups) : null,
    minUpBefore: upsBefore.length ? Math.min(...upsBefore) : null,
    alertFiredInPrometheus: fired.some((v) => v === 1),
    alertmanagerListedAt: parts.alertmanager.firstSeen(e.alertname, e.service, from - GRACE_MS),
    incident: incidents.find((i) => i.alertname === e.alertname && i.labels.service === e.service && (!action || i.id === action.incidentId)),
    action,
    actions: all.map((a) => ({ action: a.action, result: a.result, verification: a.verification, target: a.target?.name ?? null, error: a.error })),
  };
}

/** Requests answered per upstream replica of a service, from the gateway's own /metrics. */
export async function gatewayUpstreamCounts(gatewayUrl: string, service: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('gateway_upstream_requests_total{') || !line.includes(`service="${service}"`)) continue;
    const upstream = /upstream="([^"]*)"/.exec(line)?.[1];
    if (!upstream || !/code="2\d\d"/.test(line)) continue;
    out.set(upstream, (out.get(upstream) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** The replica URLs the gateway routes a service to (GET /admin/upstreams). */
export async function gatewayReplicas(gatewayUrl: string, adminToken: string, service: string): Promise<string[]> {
  const res = await fetch(`${gatewayUrl}/admin/upstreams`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!res.ok) throw new Error(`GET /admin/upstreams: HTTP ${res.status}`);
  const body = (await res.json()) as { services: Record<string, { url: string; ejected: boolean }[]> };
  return (body.services[service] ?? []).map((r) => r.url);
}

/** Sends `n` requests through the gateway; returns how many were answered 2xx. */
export async function requestThroughGateway(gatewayUrl: string, path: string, n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${gatewayUrl}${path}`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
    if (res?.ok) ok++;
    await res?.arrayBuffer().catch(() => null);
  }
  return ok;
}
