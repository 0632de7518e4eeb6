#!/usr/bin/env node
/**
 * `npm run chaos:quiet -- [--minutes N] [--fleet processes|docker]`: how often the detector cries wolf. Starts the local stack
 * (Prometheus, Alertmanager, detector, remediator, fleet), drives normal load with no fault at all,
 * and from the moment the detector's warm-up ends — the minute that used to raise the first alarms —
 * counts, per service: score crossings of the 1.0 line, HomeostatAnomaly alerts that fired, and
 * remediation actions. Any of them is a false alarm. Ends with `target` lines.
 */
import { loadStages } from '../load/load-profiles';
import { runLoad } from '../load/run-load';
import { PrometheusReader } from '../runner/prometheus-reader';
import { readActions } from '../runner/remediator-reader';
import { DETECTOR_WARMUP_SECONDS } from '../stack/detector-config';
import { startStack, type Stack } from '../stack/start-stack';
import { DEFAULT_PATHS, fleetArg } from './cli-args';

const SERVICES = ['gateway', 'orders', 'payments', 'inventory'];
/** A crossing less than this after the score fell back counts as the same alarm (the stack rule's keep_firing_for). */
const SAME_ALARM_MS = 10_000;
const GOAL_ALERTS_PER_SERVICE_HOUR = 1;

let active: Stack | null = null;

function minutesArg(argv: string[]): number {
  const i = argv.indexOf('--minutes');
  if (i < 0) return 10;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0 || n > 120) {
    process.stderr.write('chaos:quiet: --minutes must be a number in (0, 120]\n');
    process.exit(1);
  }
  return n;
}

/** Starts of runs of value >= 1 in a 1 s series, merging runs less than SAME_ALARM_MS apart. */
function alarms(values: [number, number | null][]): number[] {
  const starts: number[] = [];
  let lastOver = -Infinity;
  for (const [t, v] of values) {
    if (v === null || v < 1) continue;
    if (t - lastOver > SAME_ALARM_MS) starts.push(t);
    lastOver = t;
  }
  return starts;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const minutes = minutesArg(argv);
  const f = argv.indexOf('--fleet');
  const fleet = fleetArg(f >= 0 ? argv[f + 1] : undefined);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  log(`starting the local stack (heal on, fleet as ${fleet})...`);
  const stack = await startStack({ heal: true, fleet, log });
  active = stack;
  try {
    const total = DETECTOR_WARMUP_SECONDS + minutes * 60;
    const load = runLoad({ url: stack.gatewayUrl, paths: DEFAULT_PATHS }, loadStages('normal', total + 5));
    const t0 = Date.now();
    log(`normal load, no fault: ${DETECTOR_WARMUP_SECONDS} s of warm-up, then ${minutes} min observed`);
    const from = t0 + DETECTOR_WARMUP_SECONDS * 1000;
    for (let s = 0; s < total; s += 30) {
      await new Promise((r) => setTimeout(r, Math.min(30, total - s) * 1000));
      log(`  ${Math.min(total, s + 30)} / ${total} s`);
    }
    const to = Date.now();
    await load.stop();
    const prom = new PrometheusReader(stack.prometheusUrl);
    const scores = await prom.range('max by (service) (homeostat_anomaly_score)', from, to, 1);
    const alerts = await prom.range('max by (service) (ALERTS{alertname="HomeostatAnomaly", alertstate="firing"})', from, to, 1);
    const actions = stack.remediatorUrl ? (await readActions(stack.remediatorUrl, from, to)).actions : [];
    const hours = (to - from) / 3_600_000;
    let crossings = 0;
    let fired = 0;
    const warmupEnd: string[] = [];
    console.log(`quiet period ${((to - from) / 60_000).toFixed(1)} min from the end of the detector's warm-up, normal load, no fault`);
    console.log(`${'service'.padEnd(10)} ${'crossings'.padStart(9)} ${'alerts'.padStart(7)} ${'actions'.padStart(8)}   first crossing (s after warm-up)`);
    for (const service of SERVICES) {
      const sc = alarms(scores.find((s) => s.metric.service === service)?.values ?? []);
      const al = alarms(alerts.find((s) => s.metric.service === service)?.values ?? []);
      const ac = actions.filter((a) => a.target === service || (a.reason ?? '').includes(service));
      crossings += sc.length;
      fired += al.length;
      if (sc.some((t) => t - from < 60_000)) warmupEnd.push(service);
      console.log(
        `${service.padEnd(10)} ${String(sc.length).padStart(9)} ${String(al.length).padStart(7)} ${String(ac.length).padStart(8)}   ${sc.map((t) => ((t - from) / 1000).toFixed(0)).join(', ')}`,
      );
    }
    const perHour = (n: number) => n / (hours * SERVICES.length);
    const met = (x: number, goal: number) => (x <= goal ? 'met' : 'missed');
    console.log(`actions: ${actions.length} (${actions.map((a) => `${a.action} ${a.target ?? '?'}`).join(', ') || 'none'})`);
    console.log(`target quiet_alerts_per_service_hour: ${perHour(fired).toFixed(2)} (goal <= ${GOAL_ALERTS_PER_SERVICE_HOUR}) ${met(perHour(fired), GOAL_ALERTS_PER_SERVICE_HOUR)}`);
    console.log(`target quiet_crossings_per_service_hour: ${perHour(crossings).toFixed(2)} (goal <= ${GOAL_ALERTS_PER_SERVICE_HOUR}) ${met(perHour(crossings), GOAL_ALERTS_PER_SERVICE_HOUR)}`);
    console.log(`target quiet_actions: ${actions.length} (goal 0) ${met(actions.length, 0)}`);
    console.log(`target warmup_end_crossings: ${warmupEnd.length} services (goal 0) ${met(warmupEnd.length, 0)}`);
  } finally {
    active = null;
    await stack.stop();
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void (active ? active.stop() : Promise.resolve()).finally(() => process.exit(130));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos:quiet: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
