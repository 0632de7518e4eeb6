import type { Experiment } from '../experiment/experiment-schema';
import { grafanaAnnotator, type Annotator } from '../grafana/grafana-annotations';
import { LoadRecorder } from '../load/load-recorder';
import { experimentStages } from '../load/load-profiles';
import { runLoad } from '../load/run-load';
import { computeRunMetrics } from '../metrics/compute-run-metrics';
import { anomalyIntervals, detectionSignal } from '../metrics/detection-intervals';
import type { Stack } from '../stack/start-stack';
import { AdminClient, type FaultAck } from './admin-client';
import { pollFault, type FaultPollState } from './fault-poll';
import { resolveGroundTruth } from './ground-truth';
import { adjustToBaseline, evaluateProbes, healthyAt } from './probes';
import { PrometheusReader } from './prometheus-reader';
import { Progress } from './progress';
import { readActions, unverifiedActions } from './remediator-reader';
import type { ActionObservation, RunRecord, SeriesRecord } from './run-record';

export interface RunOptions {
  /** Injection length in seconds; warm-up and recovery scale with it (at least 10 s each). */
  durationSeconds?: number;
  warmupSeconds?: number;
  loadProfile?: Experiment['method']['load']['profile'];
  /** Request paths the load cycles through on the gateway. */
  paths: string[];
  repeat: number;
  progress: Progress;
  annotator?: Annotator;
}

/** Seconds the steady state must hold to count as recovered, and the load probes' window. */
const SUSTAIN_SECONDS = 5;
/** How long a run may wait, load on, for the remediator's started actions to finish verification. */
const VERIFY_WAIT_SECONDS = 150;
/** Detections and actions this long after the fault ended still belong to it. */
const GRACE_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function phaseSeconds(e: Experiment, o: Pick<RunOptions, 'durationSeconds' | 'warmupSeconds'>) {
  const inj = e.method.injection.durationSeconds;
  const d = o.durationSeconds ?? inj;
  const scale = d / inj;
  return {
    warmup: o.warmupSeconds ?? (o.durationSeconds ? Math.max(10, Math.round(e.method.warmupSeconds * scale)) : e.method.warmupSeconds),
    injection: d,
    // recovery must outlast a restart plus the 5 s the steady state has to hold, or MTTR is never seen
    recovery: o.durationSeconds ? Math.max(20, Math.round(e.method.recoverySeconds * scale)) : e.method.recoverySeconds,
  };
}

/**
 * One run of an experiment on a started stack: load on, warm-up, steady-state check, injection
 * (ground truth from the admin API), recovery, rollbacks, steady-state check, then everything
 * Prometheus, the detector and the remediator saw over the run.
 */
export async function runExperiment(e: Experiment, stack: Stack, o: RunOptions): Promise<RunRecord> {
  const service = e.target.service;
  const prom = new PrometheusReader(stack.prometheusUrl);
  const admin = new AdminClient(stack.serviceUrl(service), stack.adminToken);
  const annotator = o.annotator ?? grafanaAnnotator();
  const phases = phaseSeconds(e, o);
  const profile = o.loadProfile ?? e.method.load.profile;
  const notes: string[] = [];
  const label = `[${e.name} heal=${stack.heal ? 'on' : 'off'} #${o.repeat + 1}]`;

  const recorder = new LoadRecorder();
  // +2 s: the load outlasts the last sample the runner takes
  const stages = experimentStages(profile, { ...phases, recovery: phases.recovery + 2 }, e.method.load.rps);
  const load = runLoad({ url: stack.gatewayUrl, paths: o.paths }, stages, recorder);
  const startedAt = Date.now();
  const health: { t: number; healthy: boolean }[] = [];
  let probes = e.steadyStateHypothesis.probes;
  const tick = (phase: string, left: number, extra = '') => {
    const w = recorder.window(SUSTAIN_SECONDS);
    const t = Math.floor(Date.now() / 1000) * 1000;
    if (!health.length || health[health.length - 1].t !== t) {
      health.push({ t, healthy: healthyAt(probes, recorder, t + 1) });
    }
    const rps = (w.requests / SUSTAIN_SECONDS).toFixed(0);
    const err = w.errorRatio === null ? '-' : `${(w.errorRatio * 100).toFixed(1)}%`;
    o.progress.status(`${label} ${phase} ${left}s left | ${rps} rps, errors ${err}, p95 ${w.p95Ms ?? '-'} ms ${extra}`);
  };
  const waitPhase = async (phase: string, seconds: number, each?: () => Promise<string>) => {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const extra = each ? await each() : '';
      tick(phase, Math.ceil((end - Date.now()) / 1000), extra);
      await sleep(Math.min(1000, Math.max(0, end - Date.now())));
    }
  };

  let ack: FaultAck | null = null;
  let observedEnd: number | null = null;
  try {
    o.progress.line(`${label} warm-up ${phases.warmup}s, injection ${phases.injection}s, recovery ${phases.recovery}s, load ${profile}`);
    await waitPhase('warm-up', phases.warmup);
    const before = await evaluateProbes(e.steadyStateHypothesis.probes, recorder, prom, service);
    if (!before.every((p) => p.ok)) notes.push(`steady state not met before injection: ${before.filter((p) => !p.ok).map((p) => `${p.name}=${p.value}`).join(', ')}`);
    probes = adjustToBaseline(probes, before);
    for (const p of probes) {
      const orig = e.steadyStateHypothesis.probes.find((x) => x.name === p.name);
      if (orig && orig.tolerance.max !== p.tolerance.max) notes.push(`${p.name}: max raised from ${orig.tolerance.max} to ${p.tolerance.max?.toFixed(1)} (${p.tolerance.baselineFactor} x the measured baseline)`);
    }
    const warmupEnd = Date.now();

    const inj = e.method.injection;
    const body: Record<string, unknown> = { ...inj.params };
    // a crash has no duration: the process is gone until something starts it again
    if (inj.fault !== 'crash') body.durationSeconds = phases.injection;
    ack = await admin.inject(inj.fault, body);
    o.progress.line(`${label} injected ${inj.fault} into ${service} at ${new Date(ack.startedAt).toISOString()}`);
    void annotator.annotate({ time: ack.startedAt, tags: ['fault', e.name], text: `chaos: ${inj.fault} injected into ${service}` });

    let poll: FaultPollState = { wasDown: false, observedEnd: null };
    const watch = async (): Promise<string> => {
      if (observedEnd !== null || !ack) return '';
      const list = await admin.faults();
      poll = pollFault(poll, ack, list, inj.fault === 'crash', Date.now());
      observedEnd = poll.observedEnd;
      if (list === null) return '| target down';
      return list.some((w) => w.fault === ack!.fault && w.startedAt === ack!.startedAt && w.active) ? '| fault active' : '| fault over';
    };
    await waitPhase('injection', phases.injection, watch);
    const injectionEnd = Date.now();
    // the fault ends with its duration; a crash ends when someone starts the process again
    if (inj.fault === 'crash' && observedEnd === null) {
      if (await stack.restartIfDown(service)) {
        observedEnd = Date.now();
        notes.push(`${service} restarted by the runner after ${phases.injection}s (no healing)`);
      }
    }
    await waitPhase('recovery', phases.recovery, watch);
    const recoveryEnd = Date.now();
    load.stop();
    await load.done;
    // An action still verifying keeps the run going (bounded), with the same load: without traffic
    // a service has no latency, the detector no score, and a healing that completes a few seconds
    // after the recovery phase would be recorded as unverified.
    if (await unverifiedActions(stack.remediatorUrl, startedAt)) {
      const more = runLoad({ url: stack.gatewayUrl, paths: o.paths }, [{ rps: e.method.load.rps ?? 100, seconds: VERIFY_WAIT_SECONDS }], recorder);
      const until = Date.now() + VERIFY_WAIT_SECONDS * 1000;
      let open = 1;
      while (open > 0 && Date.now() < until) {
        tick('verification', Math.ceil((until - Date.now()) / 1000), `| ${open} action(s) verifying`);
        await sleep(1000);
        open = await unverifiedActions(stack.remediatorUrl, startedAt);
      }
      if (open > 0) notes.push(`${open} action(s) still verifying ${VERIFY_WAIT_SECONDS} s after the recovery phase`);
      more.stop();
      await more.done;
    }

    // rollbacks always run (Chaos Toolkit semantics); a fault that is already over is fine
    for (const rb of e.rollbacks) {
      if (rb.action === 'clear-fault' && inj.fault !== 'crash') await admin.clear(inj.fault).catch((x: Error) => notes.push(`rollback: ${x.message}`));
      if (rb.action === 'restart' && (await stack.restartIfDown(service))) notes.push(`rollback restarted ${service}`);
    }
    const after = await evaluateProbes(
      e.steadyStateHypothesis.probes.filter((p) => p.source === 'prometheus'),
      recorder,
      prom,
      service,
    );
    const endedAt = Date.now();
    const history = await admin.faults();
    const groundTruth = [resolveGroundTruth(ack, service, history, observedEnd, endedAt)];
    void annotator.annotate({
      time: groundTruth[0].start,
      timeEnd: groundTruth[0].end,
      tags: ['fault-window', e.name],
      text: `chaos: ${inj.fault} on ${service} (${groundTruth[0].endedBy})`,
    });

    const series = await collectSeries(prom, e, service, startedAt, endedAt).catch((x: Error) => {
      notes.push(`prometheus: ${x.message}`);
      return [] as SeriesRecord[];
    });
    const scores = stack.detectorUrl
      ? await prom.rangeGrid(`max(homeostat_anomaly_score{service="${service}"})`, startedAt, endedAt).catch(() => [])
      : [];
    const alerts = stack.heal
      ? await prom.rangeGrid(`max(ALERTS{alertname=~"Homeostat.*",service="${service}"})`, startedAt, endedAt).catch(() => [])
      : [];
    let actions: ActionObservation[] = [];
    if (stack.remediatorUrl) {
      const r = await readActions(stack.remediatorUrl, startedAt, endedAt);
      actions = r.actions;
      if (r.error) notes.push(`remediator actions: ${r.error}`);
    }
    const gw = await prometheusTotals(prom, startedAt, endedAt).catch(() => null);
    const metrics = computeRunMetrics({
      groundTruth,
      load: recorder.buckets(),
      health,
      scores,
      alerts,
      prometheusRequests: gw,
      actions,
      expectedActions: e.expectedHealing.actions,
      healWithinSeconds: e.expectedHealing.withinSeconds,
      sustainSeconds: SUSTAIN_SECONDS,
      graceMs: GRACE_MS,
    });
    const firstDetection = anomalyIntervals(detectionSignal(scores, alerts))[0];
    if (firstDetection) void annotator.annotate({ time: firstDetection.start, tags: ['detection', e.name], text: `homeostat: anomaly on ${service}` });
    for (const a of actions) void annotator.annotate({ time: a.startedAt, tags: ['action', a.action], text: `homeostat: ${a.action} ${a.target ?? ''} ${a.result}` });
    if (annotator.errors.length) notes.push(...annotator.errors);

    const run: RunRecord = {
      version: 1,
      scenario: e.name,
      title: e.title,
      heal: stack.heal,
      repeat: o.repeat,
      target: service,
      fault: inj.fault,
      loadProfile: profile,
      startedAt,
      endedAt,
      phases: { warmupEnd, injectionEnd, recoveryEnd },
      groundTruth,
      steadyState: { before, after },
      load: recorder.buckets(),
      health,
      series,
      detection: { available: stack.detectorUrl !== null, scores, alerts },
      actions,
      expectedActions: e.expectedHealing.actions,
      metrics,
      notes,
    };
    o.progress.line(`${label} done: ${oneLine(run)}`);
    return run;
  } finally {
    load.stop();
    // never leave a fault behind, whatever failed
    if (ack && e.method.injection.fault !== 'crash') await admin.clear(e.method.injection.fault).catch(() => null);
    if (ack && e.rollbacks.some((r) => r.action === 'restart')) await stack.restartIfDown(service).catch(() => false);
  }
}

export function oneLine(r: RunRecord): string {
  const m = r.metrics;
  const f = (x: number | null, unit = 's') => (x === null ? 'n/a' : `${x.toFixed(1)}${unit}`);
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
  return `MTTD ${f(m.mttdSeconds)}, MTTR ${f(m.mttrSeconds)}${m.impacted ? '' : ' (no user impact)'}, healed ${m.healed ? 'yes' : 'no'}, availability ${pct(m.availability)}, errors during fault ${pct(m.faultErrorRate)}, p95 ${f(m.latencyP95Ms, ' ms')}`;
}

async function collectSeries(prom: PrometheusReader, e: Experiment, service: string, from: number, to: number): Promise<SeriesRecord[]> {
  const gw = 'job="demo",service="gateway"';
  const sel = `job="demo",service="${service}"`;
  const queries: [string, string, string][] = [
    ['gateway error ratio', 'ratio', `(sum(rate(http_requests_total{${gw},code=~"5.."}[5s])) or vector(0)) / sum(rate(http_requests_total{${gw}}[5s]))`],
    ['gateway p95 latency', 'ms', `1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${gw}}[5s])))`],
    [`${service} impact: ${e.impact.direction}`, 'value', e.impact.query.replaceAll('$service', service)],
    [`${service} cpu`, 'cores', `sum(rate(process_cpu_seconds_total{${sel}}[5s]))`],
    [`${service} memory`, 'MB', `sum(process_resident_memory_bytes{${sel}}) / 1048576`],
    [`${service} replicas up`, 'count', `count(up{${sel}} == 1)`],
  ];
  const out: SeriesRecord[] = [];
  for (const [name, unit, q] of queries) out.push({ name, unit, points: await prom.rangeGrid(q, from, to) });
  return out;
}

/** Gateway requests and 5xx answers over [from, to] as Prometheus counted them. */
async function prometheusTotals(prom: PrometheusReader, from: number, to: number): Promise<{ total: number; errors: number } | null> {
  const secs = Math.max(1, Math.round((to - from) / 1000));
  const at = `@ ${(to / 1000).toFixed(3)}`;
  const total = await prom.instant(`sum(increase(http_requests_total{job="demo",service="gateway"}[${secs}s] ${at}))`);
  const errors = await prom.instant(`sum(increase(http_requests_total{job="demo",service="gateway",code=~"5.."}[${secs}s] ${at}))`);
  if (total === null) return null;
  return { total, errors: errors ?? 0 };
}
