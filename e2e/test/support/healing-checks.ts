import { waitFor } from '@homeostat/testkit';
import type { ActionRecord } from '@homeostat/contracts';
import type { RunRecord } from '@homeostat/chaos/dist/runner/run-record';
import type { Stack } from '@homeostat/chaos/dist/stack/start-stack';
import type { AlertmanagerWatch } from './alertmanager-watch';
import { collectEvidence, gatewayReplicas, gatewayUpstreamCounts, requestThroughGateway, type Expected } from './healing-evidence';
import type { RemediatorClient } from './remediator-client';
import { CONTROL_SECONDS } from './scenarios';

export interface Parts {
  stack: Stack;
  remediator: RemediatorClient;
  alertmanager: AlertmanagerWatch;
}

/**
 * The control period (the last CONTROL_SECONDS of the first warm-up, after the detector's models
 * are warm): normal load, the detector scoring the target, and the remediator changed nothing (no
 * action made: decisions it recorded as skipped, e.g. a service outside every allow-list, are no
 * action). Alerts and skipped decisions, and whatever happened while the detector was still
 * learning, are printed for the log, not judged.
 */
export async function expectQuietControl(run: RunRecord, p: Parts, since: number): Promise<void> {
  const from = run.phases.warmupEnd - CONTROL_SECONDS * 1000;
  const to = run.phases.warmupEnd;
  const show = (list: ActionRecord[]) => list.map((a) => `${a.action} ${a.target?.name} ${a.result}: ${a.reason}`);
  const learning = await p.remediator.actions(since, from);
  if (learning.length) process.stderr.write(`[e2e] while the detector was learning: ${show(learning).join('; ')}\n`);
  const scored = run.detection.scores.filter(([t, v]) => t >= from && t <= to && v !== null);
  expect(scored.length).toBeGreaterThan(CONTROL_SECONDS / 2); // the models were warm: a real control
  const inControl = await p.remediator.actions(from, to);
  const incidents = await p.remediator.incidents(from, to);
  if (incidents.length) process.stderr.write(`[e2e] alerts in the control period: ${incidents.map((i) => `${i.alertname} ${i.labels.service} top_feature=${i.labels.top_feature}`).join('; ')}; decisions: ${show(inControl).join('; ')}\n`);
  expect(show(inControl.filter((a) => a.result !== 'skipped'))).toEqual([]);
}

/** Detection -> alert (Prometheus, Alertmanager) -> webhook (incident) -> action -> verification, and MTTD/MTTR. */
export async function expectHealingLoop(run: RunRecord, p: Parts, e: Expected): Promise<void> {
  const ev = await collectEvidence(run, { prometheusUrl: p.stack.prometheusUrl, remediator: p.remediator, alertmanager: p.alertmanager }, e);
  if (e.alertname === 'HomeostatTargetDown') {
    expect(ev.minUpBefore).toBe(1); // up until the crash
    expect(ev.minUp).toBe(0); // Prometheus saw the target down
  } else {
    // not flagged when the fault started (a score already above 1 would make MTTD 0 and prove
    // nothing); no score at all there (an entity re-warming) is not a flag either
    expect(ev.scoreAtInjection ?? 0).toBeLessThanOrEqual(1);
    expect(ev.maxScore).toBeGreaterThan(1); // homeostat_anomaly_score > 1 in Prometheus
  }
  expect(ev.alertFiredInPrometheus).toBe(true);
  expect(ev.alertmanagerListedAt).not.toBeNull();
  expect(ev.incident).toMatchObject({ source: 'alertmanager', alertname: e.alertname, labels: { service: e.service } });
  // `all` only makes a failure message show what the remediator did instead
  expect({ action: ev.action?.action, result: ev.action?.result, error: ev.action?.error, verification: ev.action?.verification, all: ev.actions }).toMatchObject({
    action: e.action,
    result: 'succeeded',
    error: null,
    verification: 'passed',
  });
  expect((await p.alertmanager.webhookNotifications()).sent).toBeGreaterThan(0);
  expect(run.metrics.mttdSeconds).toEqual(expect.any(Number));
  expect(run.metrics.mttrSeconds).toEqual(expect.any(Number));
  expect(run.metrics.healed).toBe(true);
}

/**
 * Root cause before action: from the injection to the end of recovery, every action the remediator
 * took was on the faulted service. Decisions skipped as downstream symptoms (the detector ranked the
 * faulted service as the cause) are printed for the log: the audit records why nothing was done.
 */
export async function expectActionsOnlyOn(run: RunRecord, p: Parts, service: string): Promise<void> {
  const decisions = await p.remediator.actions(run.phases.warmupEnd, Math.max(run.phases.recoveryEnd, Date.now()));
  const symptoms = decisions.filter((a) => a.result === 'skipped' && /downstream symptom/.test(a.reason));
  if (symptoms.length) process.stderr.write(`[e2e] suppressed symptom actions: ${symptoms.map((a) => `${a.action} ${a.target?.name}: ${a.reason}`).join('; ')}\n`);
  const elsewhere = decisions.filter((a) => a.result !== 'skipped' && a.target?.name !== service);
  if (elsewhere.length) {
    // what the alert behind each wrong action said (score, top feature, root cause): the first thing
    // to read when this fails
    const incidents = await p.remediator.incidents(run.phases.warmupEnd, Math.max(run.phases.recoveryEnd, Date.now()));
    for (const a of elsewhere) {
      const inc = incidents.find((i) => i.id === a.incidentId);
      process.stderr.write(`[e2e] ${a.action} ${a.target?.name} at ${new Date(a.startedAt).toISOString()}: alert ${inc?.alertname ?? '?'} since ${inc ? new Date(inc.startsAt).toISOString() : '?'}: ${inc?.annotations.summary ?? 'no summary'}\n`);
    }
  }
  expect(elsewhere.map((a) => `${a.action} ${a.target?.name} ${a.result}: ${a.reason}`)).toEqual([]);
}

/** After a scale out: the gateway routes `service` to more than its original replica, and an added one answers users. */
export async function expectAddedReplicaServes(p: Parts, service: string, path: string): Promise<string[]> {
  const replicas = await gatewayReplicas(p.stack.gatewayUrl, p.stack.adminToken, service);
  expect(replicas.length).toBeGreaterThanOrEqual(2);
  const added = replicas.filter((u) => u !== p.stack.serviceUrl(service));
  const before = await gatewayUpstreamCounts(p.stack.gatewayUrl, service);
  expect(await requestThroughGateway(p.stack.gatewayUrl, path, 20)).toBeGreaterThanOrEqual(18);
  const after = await gatewayUpstreamCounts(p.stack.gatewayUrl, service);
  const servedByAdded = [...after].filter(([u, n]) => added.some((a) => u.includes(`:${new URL(a).port}`)) && n > (before.get(u) ?? 0));
  expect(servedByAdded.length).toBeGreaterThan(0);
  return added;
}

export async function expectAnswersAgain(p: Parts, path: string): Promise<void> {
  await waitFor(`${path} answering through the gateway`, async () => (await requestThroughGateway(p.stack.gatewayUrl, path, 5)) === 5, {
    timeoutMs: 60_000,
    intervalMs: 1000,
  });
}
