import type { RunRecord } from '../runner/run-record';

/** One column of the seed's comparison table: all runs with healing on, or all with it off. */
export interface SideSummary {
  runs: number;
  /** Mean over runs that were detected; null when none was. */
  mttdSeconds: number | null;
  detectedRuns: number;
  /** Mean over runs that users noticed and that recovered; null when none did. */
  mttrSeconds: number | null;
  recoveredRuns: number;
  impactedRuns: number;
  /** Share of runs healed by an action; null when there were no runs. */
  healingSuccess: number | null;
  /** Requests answered successfully over all runs' load. */
  availability: number | null;
  /** Error rate of runs under the spike load profile; null when none ran. */
  spikeErrorRate: number | null;
  precision: number | null;
  recall: number | null;
}

export interface ComparisonSummary {
  heal: SideSummary;
  noHeal: SideSummary;
  scenarios: string[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

function ratioOf(runs: readonly RunRecord[]): number | null {
  let req = 0;
  let err = 0;
  for (const r of runs) for (const b of r.load) {
    req += b.requests;
    err += b.errors;
  }
  return req === 0 ? null : (req - err) / req;
}

export function summarizeSide(runs: readonly RunRecord[]): SideSummary {
  const mttd = runs.map((r) => r.metrics.mttdSeconds).filter((x): x is number => x !== null);
  // runs users never noticed (MTTR 0) say nothing about recovery speed: average the impacted ones
  const impacted = runs.filter((r) => r.metrics.impacted);
  const mttr = impacted.map((r) => r.metrics.mttrSeconds).filter((x): x is number => x !== null);
  const spike = runs.filter((r) => r.loadProfile === 'spike');
  const spikeAvail = ratioOf(spike);
  return {
    runs: runs.length,
    mttdSeconds: mean(mttd),
    detectedRuns: mttd.length,
    mttrSeconds: mean(mttr),
    recoveredRuns: mttr.length,
    impactedRuns: impacted.length,
    healingSuccess: runs.length ? runs.filter((r) => r.metrics.healed).length / runs.length : null,
    availability: ratioOf(runs),
    spikeErrorRate: spikeAvail === null ? null : 1 - spikeAvail,
    precision: mean(runs.map((r) => r.metrics.precision).filter((x): x is number => x !== null)),
    recall: mean(runs.map((r) => r.metrics.recall).filter((x): x is number => x !== null)),
  };
}

export function summarize(runs: readonly RunRecord[]): ComparisonSummary {
  return {
    heal: summarizeSide(runs.filter((r) => r.heal)),
    noHeal: summarizeSide(runs.filter((r) => !r.heal)),
    scenarios: [...new Set(runs.map((r) => r.scenario))],
  };
}
