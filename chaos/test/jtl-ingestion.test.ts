import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ChaosError } from '../src/errors';
import { jtlBuckets, parseJtl, readJtlFile } from '../src/jmeter/jtl';
import { jtlToRun } from '../src/jmeter/jtl-to-run';
import { parseCsv } from '../src/jmeter/csv';
import { renderHtmlReport } from '../src/report/html-report';

const SAMPLE = resolve(__dirname, '..', '..', 'jmeter', 'samples', 'spike-sample.jtl');

describe('JMeter .jtl ingestion', () => {
  const samples = readJtlFile(SAMPLE);

  it('reads every sample of the real-format file, quoted failure messages included', () => {
    const lines = readFileSync(SAMPLE, 'utf8').trim().split('\n').length - 1;
    expect(samples).toHaveLength(lines);
    const slow = samples.find((s) => !s.success && s.responseCode === '200');
    expect(slow).toBeDefined();
    expect(slow!.elapsed).toBeGreaterThan(300);
    expect(samples.some((s) => s.responseCode.startsWith('5'))).toBe(true);
  });

  it('buckets by second and counts failed assertions as errors', () => {
    const b = jtlBuckets(samples);
    expect(b.reduce((s, x) => s + x.requests, 0)).toBe(samples.length);
    expect(b.reduce((s, x) => s + x.errors, 0)).toBe(samples.filter((s) => !s.success).length);
  });

  it('becomes a report run: same table, availability from the samples, profile from the thread groups', () => {
    const run = jtlToRun(samples, { name: 'spike-sample', heal: false });
    expect(run.loadProfile).toBe('spike');
    const ok = samples.filter((s) => s.success).length / samples.length;
    expect(run.metrics.availability).toBeCloseTo(ok, 10);
    const html = renderHtmlReport({ version: 1, createdAt: Date.now(), command: 'test', runs: [run] });
    expect(html).toContain('Spike-test error rate');
    expect(html).toContain(`${((1 - ok) * 100).toFixed(2)} %`);
  });

  it.each([
    ['a missing column', 'timeStamp,elapsed,label,success\n1,2,a,true\n', 'responseCode'],
    ['a bad timestamp', 'timeStamp,elapsed,label,responseCode,success\nyesterday,2,a,200,true\n', 'timeStamp'],
    ['a bad success flag', 'timeStamp,elapsed,label,responseCode,success\n1700000000000,2,a,200,maybe\n', 'success'],
  ])('%s is refused naming the column', (_n, text, field) => {
    let err: unknown;
    try {
      parseJtl(text, 'bad.jtl');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChaosError);
    expect((err as ChaosError).field).toBe(field);
  });

  it('CSV: quotes, doubled quotes, commas and CRLF', () => {
    expect(parseCsv('a,"b,c","say ""hi"""\r\n1,2,3\r\n')).toEqual([
      ['a', 'b,c', 'say "hi"'],
      ['1', '2', '3'],
    ]);
  });

  // runs the built CLI (CI builds before testing), as a user would
  it('`npm run chaos -- report --jtl FILE` writes the report with the table', () => {
    const out = mkdtempSync(join(tmpdir(), 'chaos-jtl-'));
    const main = resolve(__dirname, '..', 'dist', 'cli', 'main.js');
    const res = spawnSync(process.execPath, [main, 'report', '--jtl', SAMPLE, '--out', out], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Spike-test error rate\s+\|\s+—\s+\|\s+\d+\.\d\d %/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<table class="comparison">');
  });
});
