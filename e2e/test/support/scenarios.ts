import type { Experiment } from '@homeostat/chaos/dist/experiment/experiment-schema';
import { loadScenario } from '@homeostat/chaos/dist/experiment/load-experiment';
import { DETECTOR_WARMUP_SECONDS } from '@homeostat/chaos/dist/stack/detector-config';
import { oneLine } from '@homeostat/chaos/dist/runner/run-experiment';
import type { RunRecord } from '@homeostat/chaos/dist/runner/run-record';

/** Normal load after the detector's models are warm, with actions forbidden: the control period. */
export const CONTROL_SECONDS = 30;
/** After the detector is warm, its first fits settle before the control period starts. */
export const SETTLE_SECONDS = 20;
/** The first run's warm-up: the detector learns, settles, then the control period. */
export const FIRST_WARMUP_SECONDS = DETECTOR_WARMUP_SECONDS + SETTLE_SECONDS + CONTROL_SECONDS;
/** Length of the CPU fault (the chaos story's default); the crash lasts until someone restarts it. */
export const FAULT_SECONDS = 45;
export const CRASH_WINDOW_SECONDS = 30;

/** chaos/experiments/cpu-spike.yml as shipped: one core at 95 % in orders. */
export const cpuSpike = (): Experiment => loadScenario('cpu-spike');

/**
 * chaos/experiments/crash.yml aimed at payments: orders was just scaled out by the CPU run, and a
 * crash of another service keeps the two healings apart.
 */
export const crashOf = (service: string): Experiment => {
  const e = loadScenario('crash');
  return { ...e, target: { ...e.target, service } };
};

export function report(variant: string, run: RunRecord): void {
  process.stderr.write(`[e2e ${variant}] ${run.scenario} on ${run.target}: ${oneLine(run)}; actions: ${run.actions.map((a) => `${a.action} ${a.target ?? ''} ${a.result}/${a.verification}`).join(', ') || 'none'}\n`);
}
