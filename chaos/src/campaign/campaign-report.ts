import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { esc } from '../report/html-escape';
import type { CampaignRecording } from './campaign-record';
import { sideLabel, sideRows } from './campaign-summary';
import { campaignTargets, targetLineText } from './campaign-targets';

const iso = (t: number) => new Date(t).toISOString().slice(11, 19);
const secs = (x: number | null) => (x === null ? '—' : Number.isFinite(x) ? `${x.toFixed(1)} s` : 'never');

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The campaign's self-contained report: plan, both heal modes side by side, every fault, every action. */
export function renderCampaignHtml(rec: CampaignRecording): string {
  const parts: string[] = [];
  parts.push(`<h1>Homeostat chaos campaign — seed ${rec.seed}</h1><p><code>${esc(rec.command)}</code></p>`);
  const judged = rec.sides.find((s) => s.heal) ?? rec.sides[0];
  if (judged) {
    parts.push(`<h2>Targets (heal ${judged.heal ? 'on' : 'off'})</h2><pre>${esc(campaignTargets(judged.metrics).map(targetLineText).join('\n'))}</pre>`);
  }
  const rows = rec.sides.map(sideRows);
  parts.push(
    '<h2>Side by side</h2>' +
      table(
        ['', ...rec.sides.map(sideLabel)],
        (rows[0] ?? []).map(([label], i) => [label, ...rows.map((r) => r[i]?.[1] ?? '')]),
      ),
  );
  parts.push(
    '<h2>Plan</h2>' +
      table(
        ['#', 'scenario', 'service', 'gap', 'duration', 'params'],
        rec.plan.map((f) => [String(f.index), f.scenario, f.service, `${f.gapSeconds} s`, `${f.durationSeconds} s`, JSON.stringify(f.params)]),
      ),
  );
  for (const s of rec.sides) {
    const m = s.metrics;
    parts.push(`<h2>Heal ${s.heal ? 'on' : 'off'}: faults</h2>`);
    parts.push(
      table(
        ['#', 'scenario', 'service', 'window', 'MTTD', 'MTTR', 'actions on it', 'healed', 'why not'],
        m.faults.map((f) => [
          String(f.index),
          f.scenario,
          f.service,
          `${iso(f.start)}–${iso(f.end)}`,
          secs(f.mttdSeconds) + (f.activeBefore ? ' (anomaly active before: false positive)' : ''),
          secs(f.mttrSeconds) + (f.impacted ? '' : ' (no user impact)'),
          f.actions.map((a) => `${a.action} ${a.result}/${a.verification}`).join(', ') || '—',
          f.healed ? 'yes' : 'NO',
          f.why ?? '',
        ]),
      ),
    );
    parts.push('<h3>False actions</h3>' + (m.falseActions.length ? table(['time', 'action', 'target', 'result', 'why false'], m.falseActions.map((a) => [iso(a.startedAt), a.action, a.target ?? '', a.result, a.why])) : '<p>none</p>'));
    parts.push('<h3>Suppressed actions (skipped, with the remediator\'s reason)</h3>' + (m.suppressed.length ? table(['time', 'action', 'target', 'reason'], m.suppressed.map((a) => [iso(a.startedAt), a.action, a.target ?? '', a.reason])) : '<p>none</p>'));
    if (m.quietAlerts.length) parts.push('<h3>Remediating alerts outside every fault</h3>' + table(['service', 'from', 'to'], m.quietAlerts.map((q) => [q.service, iso(q.start), iso(q.end)])));
    if (s.notes.length) parts.push(`<h3>Notes</h3><ul>${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>Homeostat campaign ${rec.seed}</title><style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}pre{background:#f6f6f6;padding:.5em}
</style></head><body>${parts.join('\n')}</body></html>`;
}

/** Writes run.json and report.html into `dir`. */
export function writeCampaignReport(rec: CampaignRecording, dir: string): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'run.json');
  const html = join(dir, 'report.html');
  writeFileSync(json, JSON.stringify(rec));
  writeFileSync(html, renderCampaignHtml(rec));
  return { json, html };
}
