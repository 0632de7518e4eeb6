import type { LoadProfileName } from '../experiment/experiment-schema';

/** One constant-rate stretch of a load profile. */
export interface LoadStage {
  rps: number;
  seconds: number;
}

/** Default length of each profile when no --duration is given (seconds). */
export const DEFAULT_DURATION_SECONDS: Record<LoadProfileName, number> = {
  normal: 300,
  stress: 300,
  spike: 120,
};

/** Hard ceilings so no flag can turn a run into an unbounded flood. */
export const MAX_RPS = 2000;
export const MAX_DURATION_SECONDS = 3600;

/**
 * The three load scenarios as constant-rate stages:
 * - normal: 100 rps for the whole duration;
 * - stress: a ramp of five equal steps from base to 500 rps;
 * - spike: base rate, a burst to 1000 rps for the middle fifth, base rate again.
 * Every stage lasts at least 1 s and the stages sum to `durationSeconds`.
 */
export function loadStages(profile: LoadProfileName, durationSeconds: number, baseRps = 100): LoadStage[] {
  const total = Math.max(1, Math.min(MAX_DURATION_SECONDS, Math.round(durationSeconds)));
  const base = Math.min(MAX_RPS, baseRps);
  switch (profile) {
    case 'normal':
      return [{ rps: base, seconds: total }];
    case 'stress': {
      const steps = Math.min(5, total);
      const peak = Math.max(base, 500);
      return split(total, steps).map((seconds, i) => ({
        rps: Math.round(base + ((peak - base) * i) / Math.max(1, steps - 1)),
        seconds,
      }));
    }
    case 'spike': {
      if (total < 3) return [{ rps: 1000, seconds: total }];
      const burst = Math.max(1, Math.round(total / 5));
      const before = Math.floor((total - burst) / 2);
      return [
        { rps: base, seconds: before },
        { rps: 1000, seconds: burst },
        { rps: base, seconds: total - burst - before },
      ];
    }
  }
}

/** Splits `total` seconds into `n` integer parts that differ by at most one. */
function split(total: number, n: number): number[] {
  const base = Math.floor(total / n);
  return Array.from({ length: n }, (_, i) => base + (i < total % n ? 1 : 0));
}

/** The most requests a profile can send: the bound handed to autocannon as `amount`. */
export function requestBudget(stages: readonly LoadStage[]): number {
  return stages.reduce((s, st) => s + st.rps * st.seconds, 0);
}

/**
 * Stages for a chaos run: as `loadStages` over the whole run, except that a spike's burst starts
 * with the injection (and lasts a fifth of the run, at most the injection), so the spike test
 * measures the fleet under a burst and a fault at once, whatever the warm-up length.
 */
export function experimentStages(
  profile: LoadProfileName,
  phases: { warmup: number; injection: number; recovery: number },
  baseRps = 100,
): LoadStage[] {
  const total = phases.warmup + phases.injection + phases.recovery;
  if (profile !== 'spike' || phases.warmup < 1) return loadStages(profile, total, baseRps);
  const burst = Math.max(1, Math.min(phases.injection, Math.round(total / 5)));
  return [
    { rps: Math.min(MAX_RPS, baseRps), seconds: phases.warmup },
    { rps: 1000, seconds: burst },
    { rps: Math.min(MAX_RPS, baseRps), seconds: total - phases.warmup - burst },
  ].filter((s) => s.seconds > 0);
}
