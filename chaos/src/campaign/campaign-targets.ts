import type { CampaignMetrics } from './campaign-metrics';

/** One `target <name>: <measured> (goal <goal>) met|missed` line of a campaign. */
export interface TargetLine {
  name: string;
  measured: string;
  goal: string;
  met: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const secs = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} s` : 'never');

function atLeast(name: string, v: number | null, goal: number, fmt: (x: number) => string): TargetLine {
  return { name, measured: v === null ? 'n/a' : fmt(v), goal: `>= ${fmt(goal)}`, met: v !== null && v >= goal };
}

function atMost(name: string, v: number | null, goal: number, fmt: (x: number) => string): TargetLine {
  return { name, measured: v === null ? 'n/a' : fmt(v), goal: `<= ${fmt(goal)}`, met: v !== null && v <= goal };
}

/**
 * The goals, never weakened. A figure that could not be measured (no detector, no crash or
 * cpu-spike fault drawn) is `n/a` and missed: a target is met only by a measurement. A soak
 * (no faults) is held to what applies to it: no action, no remediating alert, availability.
 */
export function campaignTargets(m: CampaignMetrics): TargetLine[] {
  const soak = m.faults.length === 0;
  const lines: TargetLine[] = [];
  if (!soak) {
    lines.push(atLeast('healing-success', m.healingSuccess, 0.95, pct));
  }
  lines.push({ name: 'false-actions', measured: String(m.falseActions.length), goal: '0', met: m.falseActions.length === 0 });
  if (!soak) {
    lines.push(atLeast('detection-recall', m.detection?.recall ?? null, 0.95, pct));
    lines.push(atLeast('detection-precision', m.detection?.precision ?? null, 0.95, pct));
    lines.push(atMost('mttd-p50', m.mttdP50Seconds, 5, secs));
    lines.push(atMost('mttr-p50', m.mttrP50Seconds, 20, secs));
  }
  lines.push(atLeast('availability', m.availability, 0.995, (x) => `${(x * 100).toFixed(2)} %`));
  lines.push(atMost('quiet-alerts-per-service-hour', m.quietAlertsPerServiceHour, 0, (x) => x.toFixed(2)));
  return lines;
}

export function targetLineText(t: TargetLine): string {
  return `target ${t.name}: ${t.measured} (goal ${t.goal}) ${t.met ? 'met' : 'missed'}`;
}
