import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ChaosError } from '../src/errors';
import { computeRunMetrics } from '../src/metrics/compute-run-metrics';
import { summarize } from '../src/metrics/summary';
import { comparisonTableText } from '../src/report/comparison-table';
import { renderHtmlReport } from '../src/report/html-report';
import { readRecording, writeReport } from '../src/report/write-report';

/** A recording made by a real run (`npm run chaos -- --scenario ... --heal off/on`), committed as is. */
const FIXTURE = resolve(__dirname, 'fixtures', 'recorded-run.json');

describe('the report from a recorded run', () => {
  const rec = readRecording(FIXTURE);

  it('the fixture is a real recording: ground truth, load, Prometheus series', () => {
    expect(rec.runs.length).toBeGreaterThanOrEqual(2);
    for (const r of rec.runs) {
      expect(r.groundTruth).toHaveLength(1);
      expect(r.load.length).toBeGreaterThan(10);
      expect(r.series.some((s) => s.points.some(([, v]) => v !== null))).toBe(true);
    }
  });

  it('the stored figures are what the metrics module computes from the recorded facts', () => {
    for (const r of rec.runs) {
      const gw = r.metrics.availabilityPrometheus;
      const m = computeRunMetrics({
        groundTruth: r.groundTruth,
        load: r.load,
        health: r.health,
        scores: r.detection.scores,
        alerts: r.detection.alerts,
        prometheusRequests: gw === null ? null : { total: 1, errors: 1 - gw },
        actions: r.actions,
        expectedActions: r.expectedActions,
        healWithinSeconds: 90,
        sustainSeconds: 5,
        graceMs: 15_000,
      });
      expect(m.mttrSeconds).toBe(r.metrics.mttrSeconds);
      expect(m.mttdSeconds).toBe(r.metrics.mttdSeconds);
      expect(m.availability).toBe(r.metrics.availability);
      expect(m.precision).toBe(r.metrics.precision);
    }
  });

  it('contains the comparison table with the figures of the runs', () => {
    const html = renderHtmlReport(rec);
    const s = summarize(rec.runs);
    expect(html).toContain('<table class="comparison">');
    for (const metric of ['MTTD', 'MTTR', 'Healing success', 'Availability', 'Spike-test error rate']) expect(html).toContain(`>${metric}</th>`);
    // availability over every request of the no-heal runs, by hand
    const noHeal = rec.runs.filter((r) => !r.heal);
    const req = noHeal.flatMap((r) => r.load).reduce((a, b) => a + b.requests, 0);
    const err = noHeal.flatMap((r) => r.load).reduce((a, b) => a + b.errors, 0);
    expect(s.noHeal.availability).toBeCloseTo((req - err) / req, 12);
    expect(html).toContain(`${(((req - err) / req) * 100).toFixed(2)} %`);
    expect(comparisonTableText(s)).toMatch(/^\| Metric/);
  });

  it('draws a chart per series with the fault window shaded', () => {
    const html = renderHtmlReport(rec);
    const charts = html.match(/<svg /g) ?? [];
    expect(charts.length).toBeGreaterThanOrEqual(rec.runs.length * 3);
    expect((html.match(/class="fault"/g) ?? []).length).toBeGreaterThanOrEqual(charts.length);
  });

  it('writes run.json and report.html; the JSON reads back identical', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-report-'));
    const out = writeReport(rec, dir);
    expect(readRecording(out.json)).toEqual(rec);
    expect(readFileSync(out.html, 'utf8')).toContain('Homeostat chaos report');
  });

  it('`chaos report --from run.json` re-renders a recording', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-report-cli-'));
    const main = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
    const r = spawnSync(process.execPath, [main, 'report', '--from', FIXTURE, '--out', dir], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| Availability');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<table class="comparison">');
  });

  it('a damaged recording is refused naming the field', () => {
    const bad = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    bad.runs[0].groundTruth[0].start = 'yesterday';
    const file = join(mkdtempSync(join(tmpdir(), 'chaos-bad-')), 'run.json');
    writeFileSync(file, JSON.stringify(bad));
    let err: unknown;
    try {
      readRecording(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChaosError);
    expect((err as ChaosError).field).toBe('runs.0.groundTruth.0.start');
  });
});
