import { esc } from './html-escape';

export interface ChartSeries {
  name: string;
  color: string;
  points: readonly [number, number | null][];
}

export interface ChartMarker {
  t: number;
  label: string;
  color: string;
}

export interface ChartInput {
  title: string;
  unit: string;
  from: number;
  to: number;
  series: readonly ChartSeries[];
  /** Ground-truth windows, shaded. */
  shade?: readonly { start: number; end: number }[];
  markers?: readonly ChartMarker[];
  /** A horizontal reference line (e.g. the anomaly threshold 1.0). */
  threshold?: number;
}

const W = 760;
const H = 190;
const PAD = { l: 56, r: 12, t: 22, b: 26 };

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1000) return `${(v / 1000).toFixed(a >= 10_000 ? 0 : 1)}k`;
  if (a >= 10 || v === 0) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1);
  return v.toFixed(3);
}

/**
 * A self-contained inline SVG line chart over time (seconds since `from` on the x axis), with
 * shaded fault windows, vertical markers (detections, actions) and gaps where values are null.
 */
export function svgChart(c: ChartInput): string {
  const values = c.series.flatMap((s) => s.points.map(([, v]) => v)).filter((v): v is number => v !== null && Number.isFinite(v));
  if (c.threshold !== undefined) values.push(c.threshold);
  const maxV = values.length ? Math.max(...values) : 1;
  const minV = Math.min(0, ...(values.length ? values : [0]));
  const top = maxV === minV ? minV + 1 : maxV + (maxV - minV) * 0.08;
  const span = Math.max(1, c.to - c.from);
  const x = (t: number) => PAD.l + ((t - c.from) / span) * (W - PAD.l - PAD.r);
  const y = (v: number) => H - PAD.b - ((v - minV) / (top - minV)) * (H - PAD.t - PAD.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(c.title)}">`);
  parts.push(`<text x="${PAD.l}" y="14" font-size="12" font-weight="bold">${esc(c.title)} (${esc(c.unit)})</text>`);
  for (const w of c.shade ?? []) {
    const x0 = Math.max(PAD.l, x(w.start));
    const x1 = Math.min(W - PAD.r, x(w.end));
    parts.push(`<rect class="fault" x="${x0.toFixed(1)}" y="${PAD.t}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${H - PAD.t - PAD.b}" fill="#e53935" fill-opacity="0.12"><title>fault window</title></rect>`);
  }
  // axes and ticks
  parts.push(`<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#999"/>`);
  parts.push(`<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="#999"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = minV + ((top - minV) * i) / 4;
    parts.push(`<text x="${PAD.l - 4}" y="${(y(v) + 4).toFixed(1)}" font-size="10" text-anchor="end">${fmt(v)}</text>`);
    parts.push(`<line x1="${PAD.l}" y1="${y(v).toFixed(1)}" x2="${W - PAD.r}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
  }
  const seconds = span / 1000;
  const step = [5, 10, 15, 30, 60, 120, 300, 600].find((s) => seconds / s <= 10) ?? 1200;
  for (let s = 0; s <= seconds; s += step) {
    parts.push(`<text x="${x(c.from + s * 1000).toFixed(1)}" y="${H - 8}" font-size="10" text-anchor="middle">${s}s</text>`);
  }
  if (c.threshold !== undefined) {
    parts.push(`<line x1="${PAD.l}" y1="${y(c.threshold).toFixed(1)}" x2="${W - PAD.r}" y2="${y(c.threshold).toFixed(1)}" stroke="#e53935" stroke-dasharray="4 3"/>`);
  }
  for (const s of c.series) {
    let d = '';
    let pen = false;
    for (const [t, v] of s.points) {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"><title>${esc(s.name)}</title></path>`);
  }
  for (const m of c.markers ?? []) {
    const mx = x(m.t).toFixed(1);
    parts.push(`<line class="marker" x1="${mx}" y1="${PAD.t}" x2="${mx}" y2="${H - PAD.b}" stroke="${m.color}" stroke-width="1.5" stroke-dasharray="3 2"><title>${esc(m.label)}</title></line>`);
    parts.push(`<text x="${mx}" y="${PAD.t + 9}" font-size="9" fill="${m.color}">${esc(m.label)}</text>`);
  }
  const legend = c.series.map((s, i) => `<text x="${W - PAD.r - 4}" y="${14 + i * 0}" font-size="10" text-anchor="end" fill="${s.color}" dx="${-i * 140}">${esc(s.name)}</text>`);
  parts.push(...legend, '</svg>');
  return parts.join('');
}
