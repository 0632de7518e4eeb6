import { anomalyIntervals, detectionSignal } from '../metrics/detection-intervals';
import { summarize } from '../metrics/summary';
import type { Recording, RunRecord } from '../runner/run-record';
import { comparisonTableHtml } from './comparison-table';
import { esc } from './html-escape';
import { svgChart, type ChartMarker } from './svg-chart';

const COLORS = ['#1e88e5', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#6d4c41'];
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)} %`);
const num = (x: number | null, unit: string) => (x === null ? '—' : `${x.toFixed(1)} ${unit}`);

function markers(r: RunRecord): ChartMarker[] {
  const out: ChartMarker[] = [];
  const first = anomalyIntervals(detectionSignal(r.detection.scores, r.detection.alerts))[0];
  if (first) out.push({ t: first.start, label: 'detected', color: '#fb8c00' });
  for (const a of r.actions) out.push({ t: a.startedAt, label: `${a.action} ${a.result}`, color: '#8e24aa' });
  return out;
}

function runCharts(r: RunRecord): string {
  const from = r.startedAt;
  const to = r.endedAt;
  const shade = r.groundTruth;
  const mk = markers(r);
  const charts: string[] = [];
  charts.push(
    svgChart({
      title: 'Error rate seen by the load generator',
      unit: '%',
      from,
      to,
      shade,
      markers: mk,
      series: [{ name: 'errors', color: '#e53935', points: r.load.map((b) => [b.t, b.requests ? (100 * b.errors) / b.requests : null]) }],
    }),
  );
  charts.push(
    svgChart({
      title: 'Latency seen by the load generator',
      unit: 'ms',
      from,
      to,
      shade,
      markers: mk,
      series: [
        { name: 'p50', color: COLORS[1], points: r.load.map((b) => [b.t, b.p50Ms]) },
        { name: 'p95', color: COLORS[0], points: r.load.map((b) => [b.t, b.p95Ms]) },
        { name: 'p99', color: COLORS[2], points: r.load.map((b) => [b.t, b.p99Ms]) },
      ],
    }),
  );
  for (const [i, s] of r.series.entries()) {
    if (!s.points.some(([, v]) => v !== null)) continue;
    charts.push(svgChart({ title: s.name, unit: s.unit, from, to, shade, markers: mk, series: [{ name: s.name, color: COLORS[i % COLORS.length], points: s.points }] }));
  }
  if (r.detection.available) {
    charts.push(
      svgChart({
        title: `Detection on ${r.target}: anomaly score (threshold 1) and alerts`,
        unit: 'score',
        from,
        to,
        shade,
        markers: mk,
        threshold: 1,
        series: [
          { name: 'homeostat_anomaly_score', color: '#fb8c00', points: r.detection.scores },
          { name: 'Homeostat alert (pending/firing)', color: '#e53935', points: r.detection.alerts },
        ],
      }),
    );
  }
  return charts.map((c) => `<figure>${c}</figure>`).join('\n');
}

function runSection(r: RunRecord, i: number): string {
  const m = r.metrics;
  const gt = r.groundTruth
    .map((g) => `${esc(g.fault)} on ${esc(g.service)}: ${new Date(g.start).toISOString()} → ${new Date(g.end).toISOString()} (${((g.end - g.start) / 1000).toFixed(1)} s, ${esc(g.endedBy)})`)
    .join('<br>');
  const actions = r.actions.length
    ? `<ul>${r.actions.map((a) => `<li>${new Date(a.startedAt).toISOString()} ${esc(a.action)} ${esc(a.target ?? '')}: ${esc(a.result)}, verification ${esc(a.verification)} — ${esc(a.reason)}</li>`).join('')}</ul>`
    : '<p>No remediation actions.</p>';
  const notes = r.notes.length ? `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<section id="run-${i}">
<h3>${esc(r.title)} — healing ${r.heal ? 'on' : 'off'}, run ${r.repeat + 1} (load ${esc(r.loadProfile)})</h3>
<p><b>Ground truth:</b> ${gt}</p>
<p>MTTD ${num(m.mttdSeconds, 's')} · MTTR ${num(m.mttrSeconds, 's')}${m.impacted ? '' : ' (no user-visible impact)'} · healed ${m.healed ? 'yes' : 'no'} ·
availability ${pct(m.availability)} (Prometheus ${pct(m.availabilityPrometheus)}) · errors during fault ${pct(m.faultErrorRate)} ·
p50/p95/p99 ${num(m.latencyP50Ms, 'ms')} / ${num(m.latencyP95Ms, 'ms')} / ${num(m.latencyP99Ms, 'ms')} (p95 during the fault ${num(m.faultLatencyP95Ms, 'ms')}) ·
precision ${pct(m.precision)} · recall ${pct(m.recall)}</p>
${actions}${notes}
${runCharts(r)}
</section>`;
}

function runsTable(runs: readonly RunRecord[]): string {
  const rows = runs
    .map((r, i) => {
      const m = r.metrics;
      return `<tr><td><a href="#run-${i}">${esc(r.scenario)}</a></td><td>${r.heal ? 'on' : 'off'}</td><td>${esc(r.loadProfile)}</td><td>${num(m.mttdSeconds, 's')}</td><td>${num(m.mttrSeconds, 's')}</td><td>${m.healed ? 'yes' : 'no'}</td><td>${pct(m.availability)}</td><td>${pct(m.faultErrorRate)}</td><td>${num(m.latencyP95Ms, 'ms')}</td><td>${num(m.faultLatencyP95Ms, 'ms')}</td><td>${pct(m.precision)}</td><td>${pct(m.recall)}</td></tr>`;
    })
    .join('\n');
  return `<table><thead><tr><th>Scenario</th><th>Healing</th><th>Load</th><th>MTTD</th><th>MTTR</th><th>Healed</th><th>Availability</th><th>Errors during fault</th><th>p95</th><th>p95 during fault</th><th>Precision</th><th>Recall</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/** The whole report as one HTML file with inline CSS and SVG: no scripts, no external assets. */
export function renderHtmlReport(rec: Recording): string {
  const summary = summarize(rec.runs);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Homeostat chaos report</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:13px}
thead th{background:#f4f4f4}table.comparison td{font-weight:600}figure{margin:8px 0}.notes{color:#8a6d3b;font-size:12px}
section{border-top:1px solid #ddd;margin-top:16px}
</style></head><body>
<h1>Homeostat chaos report</h1>
<p>Generated ${new Date(rec.createdAt).toISOString()} by <code>${esc(rec.command)}</code>. Scenarios: ${summary.scenarios.map(esc).join(', ')}.
Shaded areas are the ground-truth fault windows recorded by the demo's admin API; orange markers are detections, purple markers remediation actions.</p>
<h2>With vs without healing</h2>
${comparisonTableHtml(summary)}
<h2>Runs</h2>
${runsTable(rec.runs)}
${rec.runs.map(runSection).join('\n')}
</body></html>
`;
}
