import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Recording } from '../src/runner/run-record';

/**
 * The "done when": `npm run chaos -- --scenario cpu-spike --heal off` against the real demo
 * fleet and a real Prometheus (Debian `prometheus`), short. Runs the built CLI as a user would.
 */
describe('chaos cpu-spike --heal off, end to end', () => {
  const out = mkdtempSync(join(tmpdir(), 'chaos-e2e-'));
  let rec: Recording;
  let stdout = '';

  beforeAll(() => {
    const main = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
    const r = spawnSync(process.execPath, [main, '--scenario', 'cpu-spike', '--heal', 'off', '--duration', '10', '--out', out], {
      encoding: 'utf8',
      timeout: 150_000,
    });
    stdout = r.stdout;
    if (r.status !== 0) throw new Error(`chaos exited ${r.status}: ${r.stderr}`);
    rec = Recording.parse(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')));
  }, 160_000);

  it('prints the results table and the report path', () => {
    expect(stdout).toMatch(/\| MTTR\s+\|/);
    expect(stdout).toContain(join(out, 'report.html'));
  });

  it('records an exact ground-truth window from the admin API: the fault lasted its 10 s', () => {
    const [run] = rec.runs;
    expect(run.groundTruth).toHaveLength(1);
    const w = run.groundTruth[0];
    expect(w).toMatchObject({ fault: 'cpu', service: 'orders', endedBy: 'expired' });
    expect(w.end - w.start).toBeGreaterThanOrEqual(10_000);
    expect(w.end - w.start).toBeLessThan(10_500);
    expect(w.start).toBeGreaterThan(run.phases.warmupEnd - 1);
    expect(w.start).toBeLessThan(run.phases.injectionEnd);
  });

  it('the CPU of orders, scraped by Prometheus, rose during the fault', () => {
    const [run] = rec.runs;
    const w = run.groundTruth[0];
    const cpu = run.series.find((s) => s.name === 'orders cpu')!;
    const avg = (pts: [number, number | null][]) => {
      const v = pts.map(([, x]) => x).filter((x): x is number => x !== null);
      return v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    };
    const before = avg(cpu.points.filter(([t]) => t < w.start));
    const during = avg(cpu.points.filter(([t]) => t > w.start + 5000 && t <= w.end));
    expect(during).toBeGreaterThan(before + 0.1);
  });

  it('measured the user-visible effects: traffic, availability, latency percentiles', () => {
    const [run] = rec.runs;
    expect(run.heal).toBe(false);
    expect(run.load.reduce((s, b) => s + b.requests, 0)).toBeGreaterThan(1000);
    expect(run.metrics.availability).toBeGreaterThan(0.5);
    expect(run.metrics.availabilityPrometheus).not.toBeNull();
    expect(run.metrics.latencyP95Ms).toBeGreaterThan(0);
    expect(run.metrics.healed).toBe(false);
    expect(run.detection.available).toBe(false);
    expect(run.metrics.mttdSeconds).toBeNull();
  });

  it('the HTML report is self-contained and holds the table and the shaded fault window', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<table class="comparison">');
    expect(html).toContain('class="fault"');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });
});
