import type { CampaignRecording, CampaignSide } from './campaign-record';
import { campaignTargets, targetLineText } from './campaign-targets';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const secs = (x: number | null) => (x === null ? 'n/a' : Number.isFinite(x) ? `${x.toFixed(1)} s` : 'never');

/** A side's heading: heal mode, fleet and the replicas each backend started as (1 in older recordings). */
export function sideLabel(s: CampaignSide): string {
  const n = s.replicas ?? 1;
  return `heal ${s.heal ? 'on' : 'off'} (${s.fleet}, ${n} replica${n === 1 ? '' : 's'} per backend)`;
}

/** The figures of one side as rows: [label, value]. */
export function sideRows(s: CampaignSide): [string, string][] {
  const m = s.metrics;
  const healed = m.faults.filter((f) => f.healed).length;
  const rows: [string, string][] = [
    ['faults', String(m.faults.length)],
    ['healing success', `${pct(m.healingSuccess)} (${healed}/${m.faults.length})`],
    ...Object.entries(m.perScenario)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]): [string, string] => [`  ${k}`, `${v.healed}/${v.faults}`]),
    ['false actions', String(m.falseActions.length)],
    ['suppressed (skipped) actions', String(m.suppressed.length)],
    ['detection recall (per fault)', pct(m.detection?.recall)],
    ['detection precision (per incident)', m.detection ? `${pct(m.detection.precision)} (${m.detection.truePositives}/${m.detection.incidents})` : 'n/a'],
    ['MTTD p50', secs(m.mttdP50Seconds)],
    ['MTTR p50 (crash, cpu-spike)', secs(m.mttrP50Seconds)],
    ['availability', m.availability === null ? 'n/a' : `${(m.availability * 100).toFixed(2)} %`],
    ['remediating alerts outside faults / service-hour', m.quietAlertsPerServiceHour === null ? 'n/a' : m.quietAlertsPerServiceHour.toFixed(2)],
  ];
  return rows;
}

/** What the terminal shows at the end: per-fault outcomes, side-by-side figures, then the target lines. */
export function campaignText(rec: CampaignRecording): string {
  const out: string[] = [];
  for (const s of rec.sides) {
    out.push(`\n${sideLabel(s)}:`);
    for (const f of s.metrics.faults) {
      // which replica took it, when the service had several to choose from
      const replica = (s.replicas ?? 1) > 1 ? s.faults.find((x) => x.index === f.index)?.replica : undefined;
      const acts = f.actions.map((a) => `${a.action}:${a.result}/${a.verification}`).join(' ') || 'no action';
      out.push(`  #${f.index} ${f.scenario} on ${f.service}${replica ? ` (${replica})` : ''}: ${f.healed ? 'healed' : 'NOT healed'}; MTTD ${secs(f.mttdSeconds)}${f.activeBefore ? ' (anomaly active before)' : ''}, MTTR ${secs(f.mttrSeconds)}, ${acts}${f.why ? ` — ${f.why}` : ''}`);
    }
    for (const a of s.metrics.falseActions) out.push(`  false action: ${a.action} on ${a.target} at ${new Date(a.startedAt).toISOString()} (${a.result}) — ${a.why}`);
    for (const a of s.metrics.suppressed) out.push(`  suppressed: ${a.action} on ${a.target} — ${a.reason}`);
  }
  const rows = rec.sides.map(sideRows);
  const labels = rows[0]?.map(([l]) => l) ?? [];
  const w = Math.max(...labels.map((l) => l.length));
  out.push('', `${''.padEnd(w)}  ${rec.sides.map((s) => `heal ${s.heal ? 'on' : 'off'}`.padEnd(22)).join('')}`);
  labels.forEach((l, i) => out.push(`${l.padEnd(w)}  ${rows.map((r) => (r[i]?.[1] ?? '').padEnd(22)).join('')}`));
  // the goals are about healing: judged on the heal-on side when there is one
  const judged = rec.sides.find((s) => s.heal) ?? rec.sides[0];
  if (judged) {
    out.push('', `seed ${rec.seed}, judged on heal ${judged.heal ? 'on' : 'off'}:`);
    for (const t of campaignTargets(judged.metrics)) out.push(targetLineText(t));
  }
  return out.join('\n');
}
