import type { ComparisonSummary, SideSummary } from '../metrics/summary';
import { esc } from './html-escape';

const pct = (x: number | null, digits = 1) => (x === null ? '—' : `${(x * 100).toFixed(digits)} %`);
const sec = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} s`);

interface Row {
  metric: string;
  value: (s: SideSummary) => string;
  help: string;
}

const ROWS: Row[] = [
  { metric: 'MTTD', value: (s) => sec(s.mttdSeconds) + (s.runs ? ` (${s.detectedRuns}/${s.runs} detected)` : ''), help: 'fault start to the first anomaly score > 1 on the target' },
  { metric: 'MTTR', value: (s) => sec(s.mttrSeconds) + (s.runs ? ` (${s.recoveredRuns}/${s.impactedRuns} impacted runs recovered)` : ''), help: 'fault start to the user-visible steady state holding again for 5 s, over runs users noticed' },
  { metric: 'Healing success', value: (s) => pct(s.healingSuccess), help: 'runs where an expected action succeeded and users recovered in time' },
  { metric: 'Availability', value: (s) => pct(s.availability, 2), help: 'requests answered 2xx/3xx within 5 s, over all runs' },
  { metric: 'Spike-test error rate', value: (s) => pct(s.spikeErrorRate, 2), help: 'error rate of runs under the spike load profile (--load spike)' },
  { metric: 'Detection precision', value: (s) => pct(s.precision), help: 'share of anomalous samples inside a fault window (+15 s)' },
  { metric: 'Detection recall', value: (s) => pct(s.recall), help: 'share of fault-window samples flagged anomalous' },
];

/** The seed's comparison table: each figure with healing on and off. */
export function comparisonTableHtml(s: ComparisonSummary): string {
  const rows = ROWS.map(
    (r) => `<tr><th scope="row" title="${esc(r.help)}">${esc(r.metric)}</th><td>${esc(r.value(s.heal))}</td><td>${esc(r.value(s.noHeal))}</td></tr>`,
  ).join('\n');
  return `<table class="comparison"><thead><tr><th>Metric</th><th>With healing (${s.heal.runs} runs)</th><th>Without healing (${s.noHeal.runs} runs)</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/** The same table as plain text, for the terminal. */
export function comparisonTableText(s: ComparisonSummary): string {
  const lines = ROWS.map((r) => [r.metric, r.value(s.heal), r.value(s.noHeal)]);
  const head = ['Metric', `With healing (${s.heal.runs} runs)`, `Without healing (${s.noHeal.runs} runs)`];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}
