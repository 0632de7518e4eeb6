import type { Experiment, ScenarioName } from '../experiment/experiment-schema';
import { LoadRecorder } from '../load/load-recorder';
import { loadStages, type LoadStage } from '../load/load-profiles';
import { runLoad } from '../load/run-load';
import type { HealthSample } from '../metrics/run-metrics';
import { AdminClient, type FaultAck } from '../runner/admin-client';
import { pollFault, type FaultPollState } from '../runner/fault-poll';
import { resolveGroundTruth } from '../runner/ground-truth';
import { adjustToBaseline, evaluateProbes, healthyAt } from '../runner/probes';
import { PrometheusReader } from '../runner/prometheus-reader';
import type { Progress } from '../runner/progress';
import { readActions, unverifiedActions } from '../runner/remediator-reader';
import { DEMO_SERVICES } from '../stack/fleet';
import type { Stack } from '../stack/start-stack';
import { computeCampaignMetrics, type FaultFacts } from './campaign-metrics';
import type { PlannedFault } from './campaign-plan';
import type { CampaignSide } from './campaign-record';
import { eitherSignal, signalByService } from './signal-series';

export interface CampaignRunOptions {
  plan: readonly PlannedFault[];
  experiments: ReadonlyMap<ScenarioName, Experiment>;
  warmupSeconds: number;
  /** --faults 0: how long the quiet soak lasts after the warm-up (normal and stress load in turn). */
  soakSeconds: number;
  paths: string[];
  progress: Progress;
}

/** Seconds the steady state must hold to count as recovered. */
const SUSTAIN_SECONDS = 5;
/** Detections and actions this long after a fault ended still belong to it. */
export const GRACE_MS = 15_000;
/** The longest the runner waits for started actions to finish verification (the stack's verify timeout + margin). */
const SETTLE_MAX_MS = 150_000;
/** Longest a crashed service may stay down with healing on before the runner starts it itself. */
const CRASH_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Load for the whole campaign: normal, or for a soak normal and stress in 5-minute turns; stop() ends it. */
function campaignStages(totalSeconds: number, soak: boolean): LoadStage[] {
  const out: LoadStage[] = [];
  for (let left = totalSeconds, i = 0; left > 0; i++) {
    const s = Math.min(300, left);
    out.push(...loadStages(soak && i % 2 === 1 ? 'stress' : 'normal', s));
    left -= s;
  }
  return out;
}

/**
 * One heal mode of a campaign on a started stack: load on for the whole of it, one warm-up, then
 * each planned fault after its quiet gap; after each fault the runner waits until every action the
 * remediator started has finished verification, so a fault's outcome is never cut off by the next.
 */
export async function runCampaign(stack: Stack, o: CampaignRunOptions): Promise<CampaignSide> {
  const prom = new PrometheusReader(stack.prometheusUrl);
  const notes: string[] = [];
  const mode = `heal=${stack.heal ? 'on' : 'off'}`;
  const anyExperiment = o.experiments.values().next().value as Experiment;
  const perFault = o.plan.map((f) => f.gapSeconds + f.durationSeconds + GRACE_MS / 1000 + SETTLE_MAX_MS / 1000 + CRASH_WAIT_MS / 1000);
  const budget = Math.min(6 * 3600, o.warmupSeconds + o.soakSeconds + perFault.reduce((a, b) => a + b, 0) + 300);
  const recorder = new LoadRecorder();
  const load = runLoad({ url: stack.gatewayUrl, paths: o.paths }, campaignStages(budget, o.soakSeconds > 0 && !o.plan.length), recorder);
  const startedAt = Date.now();
  let probes = anyExperiment.steadyStateHypothesis.probes;
  const health: HealthSample[] = [];
  let status = 'warm-up';
  const ticker = setInterval(() => {
    const t = Math.floor(Date.now() / 1000) * 1000 - 1000;
    health.push({ t, healthy: healthyAt(probes, recorder, t + 1000) });
    const w = recorder.window(SUSTAIN_SECONDS);
    const err = w.errorRatio === null ? '-' : `${(w.errorRatio * 100).toFixed(1)}%`;
    o.progress.status(`[campaign ${mode}] ${status} | ${(w.requests / SUSTAIN_SECONDS).toFixed(0)} rps, errors ${err}, p95 ${w.p95Ms ?? '-'} ms`);
  }, 1000);
  const wait = async (label: string, seconds: number) => {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      status = `${label} ${Math.ceil((end - Date.now()) / 1000)}s left`;
      await sleep(Math.min(1000, end - Date.now()));
    }
  };
  const faults: CampaignSide['faults'] = [];
  try {
    o.progress.line(`[campaign ${mode}] warm-up ${o.warmupSeconds}s (load normal)`);
    await wait('warm-up', o.warmupSeconds);
    const before = await evaluateProbes(probes, recorder, prom, 'gateway');
    if (!before.every((p) => p.ok)) notes.push(`steady state not met after the warm-up: ${before.filter((p) => !p.ok).map((p) => `${p.name}=${p.value}`).join(', ')}`);
    probes = adjustToBaseline(probes, before);
    const warmupEnd = Date.now();

    if (!o.plan.length) {
      o.progress.line(`[campaign ${mode}] soak ${o.soakSeconds}s with no fault (normal and stress load in turn)`);
      await wait('soak', o.soakSeconds);
    }
    for (const f of o.plan) {
      const e = o.experiments.get(f.scenario)!;
      await wait(`quiet gap before #${f.index}`, f.gapSeconds);
      const window = await runFault(stack, e, f, (s) => (status = s), notes, o.progress, mode);
      faults.push(window);
      await settle(stack, window.start, (s) => (status = s), notes);
    }
    await settle(stack, warmupEnd, (s) => (status = s), notes);
    const endedAt = Date.now();
    load.stop();
    await load.done;
    clearInterval(ticker);

    const errors: string[] = [];
    let detections = null;
    let remediating = null;
    if (stack.heal) {
      const scores = await signalByService(prom, 'max by (service) (homeostat_anomaly_score)', startedAt, endedAt, 1, errors);
      const alerts = await signalByService(prom, 'max by (service) (ALERTS{alertname=~"Homeostat.*",service!=""})', startedAt, endedAt, 0, errors);
      detections = eitherSignal(scores, alerts);
      remediating = await signalByService(prom, 'max by (service) (ALERTS{remediate="true",alertstate="firing",service!=""})', startedAt, endedAt, 0, errors);
    }
    notes.push(...errors);
    let actions: CampaignSide['actions'] = [];
    if (stack.remediatorUrl) {
      const r = await readActions(stack.remediatorUrl, startedAt, endedAt);
      actions = r.actions;
      if (r.error) notes.push(`remediator actions: ${r.error}`);
    }
    const metrics = computeCampaignMetrics({
      faults,
      detections,
      remediatingAlerts: remediating,
      actions,
      health,
      load: recorder.buckets(),
      span: { start: warmupEnd, end: endedAt },
      services: ['gateway', ...DEMO_SERVICES],
      graceMs: GRACE_MS,
      sustainSeconds: SUSTAIN_SECONDS,
    });
    return { heal: stack.heal, fleet: stack.fleet.kind, replicas: stack.replicas, startedAt, warmupEnd, endedAt, faults, actions, load: recorder.buckets(), metrics, notes, stackDir: stack.dir };
  } finally {
    clearInterval(ticker);
    load.stop();
  }
}

/** Injects one planned fault and waits until it is over; returns its ground-truth window. */
async function runFault(
  stack: Stack,
  e: Experiment,
  f: PlannedFault,
  status: (s: string) => void,
  notes: string[],
  progress: Progress,
  mode: string,
): Promise<CampaignSide['faults'][number]> {
  const replica = await injectionReplica(stack, f);
  const admin = new AdminClient(replica, stack.adminToken);
  const fault = e.method.injection.fault;
  const body: Record<string, unknown> = { ...f.params };
  // a crash has no duration: the process is gone until something starts it again
  if (fault !== 'crash') body.durationSeconds = f.durationSeconds;
  let ack: FaultAck | null = null;
  let observedEnd: number | null = null;
  try {
    ack = await admin.inject(fault, body);
    // named whenever the service had more than one to choose from (the first one too)
    const which = replica === stack.serviceUrl(f.service) && stack.replicas === 1 ? '' : ` (replica ${new URL(replica).host})`;
    progress.line(`[campaign ${mode}] #${f.index} ${f.scenario} injected into ${f.service}${which} at ${new Date(ack.startedAt).toISOString()}`);
    let poll: FaultPollState = { wasDown: false, observedEnd: null };
    const limit = ack.startedAt + f.durationSeconds * 1000 + (fault === 'crash' && stack.heal ? CRASH_WAIT_MS : 0);
    while (observedEnd === null && Date.now() < limit + 5000) {
      const list = await admin.faults();
      poll = pollFault(poll, ack, list, fault === 'crash', Date.now());
      observedEnd = poll.observedEnd;
      // a replica the fleet no longer lists (a scale-out given back) took its fault with it
      if (list === null && replica !== stack.serviceUrl(f.service) && !(await serviceReplicas(stack, f.service)).includes(replica))
        observedEnd = Date.now();
      status(`#${f.index} ${f.scenario} on ${f.service}: ${list === null ? 'target down' : 'fault active'}, ${Math.max(0, Math.ceil((limit - Date.now()) / 1000))}s left`);
      if (observedEnd === null) await sleep(1000);
      // a crash lasts until a restart: with healing off (or a remediator that never came) the runner restarts it
      if (fault === 'crash' && observedEnd === null && Date.now() >= limit && (await stack.restartIfDown(f.service))) {
        observedEnd = Date.now();
        notes.push(`#${f.index}: ${f.service} restarted by the runner after ${Math.round((Date.now() - ack.startedAt) / 1000)} s`);
      }
    }
  } finally {
    // never leave a fault behind, whatever failed
    if (fault !== 'crash') await admin.clear(fault).catch(() => null);
    if (await stack.restartIfDown(f.service).catch(() => false)) {
      observedEnd ??= Date.now();
      notes.push(`#${f.index}: rollback restarted ${f.service}`);
    }
  }
  const gt = resolveGroundTruth(ack, f.service, await admin.faults(), observedEnd, Date.now());
  return {
    index: f.index,
    scenario: e.name,
    service: f.service,
    start: gt.start,
    end: gt.end,
    endedBy: gt.endedBy,
    params: f.params,
    replica: new URL(replica).host,
    healedWhen: e.expectedHealing.healedWhen,
    expectedActions: e.expectedHealing.actions,
    withinSeconds: e.expectedHealing.withinSeconds,
    sloAvailability: e.expectedHealing.sloAvailability,
  } satisfies FaultFacts & { endedBy: string; params: Record<string, unknown>; replica: string };
}

/**
 * The replica that takes a fault: one of the service's replicas that answer now, by the plan's
 * draw (sorted by address, so the same draw and the same replicas give the same one); the first
 * replica when no other answers.
 */
async function injectionReplica(stack: Stack, f: PlannedFault): Promise<string> {
  const first = stack.serviceUrl(f.service);
  const all = await serviceReplicas(stack, f.service);
  const live = (await Promise.all(all.map(async (u) => ((await answers(u)) ? u : null)))).filter((u) => u !== null);
  if (live.length <= 1) return live[0] ?? first;
  return live[Math.min(live.length - 1, Math.floor(f.replicaDraw * live.length))]!;
}

/** The service's replicas the fleet lists now (its own and the ones the remediator added), once each. */
async function serviceReplicas(stack: Stack, service: string): Promise<string[]> {
  const targets = await stack.fleet.targets().catch(() => []);
  return [...new Set(targets.filter((t) => t.service === service).map((t) => `http://${t.address}`))].sort();
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/**
 * Waits out the grace after a fault and then until no action started since `since` is still
 * running or waiting for verification (bounded): an action that completes late still counts.
 */
async function settle(stack: Stack, since: number, status: (s: string) => void, notes: string[]): Promise<void> {
  const graceEnd = Date.now() + GRACE_MS;
  const deadline = Date.now() + SETTLE_MAX_MS;
  while (Date.now() < deadline) {
    const open = await unverifiedActions(stack.remediatorUrl, since);
    if (open === 0 && Date.now() >= graceEnd) return;
    status(open ? `waiting for ${open} action(s) to finish verification` : 'grace after the fault');
    await sleep(1000);
  }
  notes.push(`actions started after ${new Date(since).toISOString()} still unverified after ${SETTLE_MAX_MS / 1000} s`);
}
