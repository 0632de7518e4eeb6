import type { Experiment, ScenarioName } from '../experiment/experiment-schema';
import { SeededRandom } from './seeded-random';

/** One fault of a campaign, fully decided before the stack starts. */
export interface PlannedFault {
  /** 1-based position in the campaign. */
  index: number;
  scenario: ScenarioName;
  service: string;
  /** Quiet seconds between the end of the previous fault (or the warm-up) and this injection. */
  gapSeconds: number;
  /** How long the fault acts (a crash lasts until something restarts the process). */
  durationSeconds: number;
  /** The admin API body without durationSeconds: the scenario's params with the drawn intensity. */
  params: Record<string, unknown>;
  /**
   * Which of the service's replicas at injection time takes the fault, as a fraction of their
   * number (sorted by address): the first replica when the service has one, any of them after a
   * scale-out. Faults that always hit the first replica hid a restart that always picked it.
   */
  replicaDraw: number;
}

export interface PlanOptions {
  seed: number;
  faults: number;
  /** The scenarios the faults are drawn from (all eight unless narrowed). */
  experiments: readonly Experiment[];
  /** The fleet's backends a `targets: backends` scenario may strike. */
  backends: readonly string[];
  durationSeconds: { min: number; max: number };
  gapSeconds: { min: number; max: number };
}

/** Draws a value of a param's intensity range: integers stay integers, fractions keep 2 decimals. */
function drawIntensity(rnd: SeededRandom, r: { min: number; max: number }): number {
  if (Number.isInteger(r.min) && Number.isInteger(r.max)) return rnd.int(r.min, r.max);
  return Math.round((r.min + rnd.next() * (r.max - r.min)) * 100) / 100;
}

/**
 * The campaign's plan, a pure function of its options: same seed, same plan. Every draw comes from
 * one sequence in a fixed order (scenario, service, gap, duration, then each intensity param by
 * name), so narrowing nothing else changes a plan only where the inputs changed.
 */
export function planCampaign(o: PlanOptions): PlannedFault[] {
  if (!o.experiments.length) return [];
  const rnd = new SeededRandom(o.seed);
  // a stream of its own: the plans of seeds drawn before it came are unchanged
  const replicas = new SeededRandom(o.seed ^ 0x9e3779b9);
  const out: PlannedFault[] = [];
  for (let i = 0; i < o.faults; i++) {
    const e = rnd.pick(o.experiments);
    const service = e.campaign.targets === 'gateway' ? 'gateway' : rnd.pick(o.backends);
    const gapSeconds = rnd.int(o.gapSeconds.min, o.gapSeconds.max);
    const durationSeconds = rnd.int(o.durationSeconds.min, o.durationSeconds.max);
    const params: Record<string, unknown> = { ...e.method.injection.params };
    for (const name of Object.keys(e.campaign.intensity).sort()) params[name] = drawIntensity(rnd, e.campaign.intensity[name]);
    out.push({ index: i + 1, scenario: e.name, service, gapSeconds, durationSeconds, params, replicaDraw: replicas.next() });
  }
  return out;
}

/** The plan as printed before anything starts: one line per fault. */
export function planText(seed: number, plan: readonly PlannedFault[]): string {
  const head = `campaign plan (seed ${seed}, ${plan.length} faults):`;
  const lines = plan.map((f) => {
    const p = Object.entries(f.params)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    return `  #${String(f.index).padStart(2)} +${String(f.gapSeconds).padStart(3)}s  ${f.scenario.padEnd(15)} on ${f.service.padEnd(9)} for ${f.durationSeconds}s${p ? `  ${p}` : ''}`;
  });
  return [head, ...lines].join('\n');
}
