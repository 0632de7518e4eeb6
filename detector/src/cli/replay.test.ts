import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from './replay';

const MAIN = resolve(__dirname, '../../dist/cli/main.js');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'homeostat-replay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 800 rows of two metrics every 15 s, a cpu spike at rows 700..704, optional gap at row 300. */
function sampleCsv(eol = '\n', gap = false): string {
  const lines = ['timestamp,cpu,latency'];
  let s = 7;
  const r = (): number => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  for (let i = 0; i < 800; i++) {
    const cpu = 0.3 + 0.02 * r() + (i >= 700 && i < 705 ? 0.8 : 0);
    const ts = new Date(Date.UTC(2026, 0, 1) + i * 15_000).toISOString();
    lines.push(`${ts},${gap && i === 300 ? '' : cpu.toFixed(4)},${(0.1 + 0.01 * r()).toFixed(4)}`);
  }
  return lines.join(eol) + eol;
}

async function replay(
  name: string,
  text: string,
  extra: string[] = [],
): Promise<{ code: number; out: string[]; err: string }> {
  const input = join(dir, `${name}.csv`);
  const output = join(dir, `${name}.out.csv`);
  writeFileSync(input, text);
  const errors: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    errors.push(String(chunk));
    return true;
  });
  try {
    const code = await run(['--input', input, '--output', output, ...extra]);
    const out = existsSync(output) ? readFileSync(output, 'utf8').trimEnd().split('\n') : [];
    return { code, out, err: errors.join('') };
  } finally {
    spy.mockRestore();
    rmSync(output, { force: true });
  }
}

describe('homeostat-detect replay', () => {
  it('writes one row per input row, no score while warming up, one alarm where the cpu spike starts', async () => {
    const { code, out } = await replay('good', sampleCsv());
    expect(code).toBe(0);
    expect(out[0]).toBe('timestamp,anomaly_score,is_anomaly,top_feature');
    expect(out).toHaveLength(801);
    const rows = out.slice(1).map((l) => l.split(','));
    expect(rows[0]).toEqual(['2026-01-01T00:00:00.000Z', '', '0', '']);
    // Warm after the forest's warm-up (150 points) and the likelihood's history (300 points).
    expect(rows[400][1]).toBe('');
    expect(rows[500][1]).not.toBe('');
    // The likelihood rates a short average of scores: the alarm opens within the spike's first points.
    const onset = rows.findIndex((r) => r[2] === '1');
    expect(onset).toBeGreaterThanOrEqual(700);
    expect(onset).toBeLessThan(705);
    expect(Number(rows[onset][1])).toBeGreaterThanOrEqual(1);
    expect(rows[onset][3]).toBe('cpu');
    // One alarm for the whole file: the spike's other rows belong to it, the quiet rows raise none.
    expect(rows.filter((r) => r[2] === '1')).toHaveLength(1);
    // Bounded: never above 2.
    expect(Math.max(...rows.map((r) => Number(r[1] || 0)))).toBeLessThanOrEqual(2);
  });

  it('reads CRLF files exactly like LF files', async () => {
    const lf = await replay('lf', sampleCsv('\n'));
    const crlf = await replay('crlf', sampleCsv('\r\n'));
    expect(crlf.code).toBe(0);
    expect(crlf.out).toEqual(lf.out);
  });

  it("applies a service detector's missing-feature policy, as the service does", async () => {
    // latency stops being reported at row 500 (a series that only exists while there is traffic)
    const text = sampleCsv()
      .split('\n')
      .map((l, i) => (i > 500 && l ? l.replace(/,[^,]*$/, ',') : l))
      .join('\n');
    const svc = join(dir, 'missing.yml');
    writeFileSync(
      svc,
      'prometheus: { url: http://127.0.0.1:9090 }\ndetectors:\n  - name: d\n    queries: { cpu: x, latency: y }\n    missing: { latency: zero }\n',
    );
    const skip = await replay('missing-skip', text);
    const zero = await replay('missing-zero', text, ['--config', svc]);
    expect(zero.code).toBe(0);
    // skip (the default): no score once latency is gone; zero: scored on, and the cpu spike alarms
    expect(skip.out.slice(600).every((l) => l.split(',')[1] === '')).toBe(true);
    expect(zero.out.slice(600).some((l) => l.split(',')[1] !== '')).toBe(true);
    const bad = join(dir, 'missing-bad.yml');
    writeFileSync(
      bad,
      'prometheus: { url: http://127.0.0.1:9090 }\ndetectors:\n  - name: d\n    queries: { cpu: x, mem: y }\n    missing: { mem: zero }\n',
    );
    const r = await replay('missing-bad', text, ['--config', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing\.mem: the CSV has no column mem/);
  });

  it('refuses a newest-first file instead of running time backwards', async () => {
    const lines = sampleCsv().trimEnd().split('\n');
    const r = await replay('reversed', [lines[0], ...lines.slice(1).reverse()].join('\n') + '\n');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/timestamps mostly decrease/);
  });

  it('keeps a row for a gap, with an empty score', async () => {
    const { code, out } = await replay('gap', sampleCsv('\n', true));
    expect(code).toBe(0);
    expect(out).toHaveLength(801);
    expect(out[301].split(',').slice(1)).toEqual(['', '0', '']);
  });

  it('applies a YAML config and names a bad key', async () => {
    const good = join(dir, 'good.yml');
    writeFileSync(
      good,
      'trainingWindowSeconds: 3000\npipeline:\n  warmupPoints: 20\n  likelihood: { minPoints: 20 }\n',
    );
    const early = await replay('config', sampleCsv(), ['--config', good]);
    expect(early.code).toBe(0);
    expect(early.out.slice(1, 60).some((l) => l.split(',')[1] !== '')).toBe(true);
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'pipeline:\n  alarm: { holdPoints: -1 }\n');
    const r = await replay('badconfig', sampleCsv(), ['--config', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.yml: pipeline\.alarm\.holdPoints: /);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    // A service config lends the named detector's settings.
    const svc = join(dir, 'service.yml');
    writeFileSync(
      svc,
      'prometheus: { url: http://127.0.0.1:9090 }\ndetectors:\n  - job: a\n  - name: b\n    queries: { cpu: x }\n    pipeline: { warmupPoints: 20, likelihood: { minPoints: 20 } }\n    trainingWindowSeconds: 3000\n',
    );
    const viaService = await replay('svc', sampleCsv(), ['--config', svc, '--detector', 'b']);
    expect(viaService.code).toBe(0);
    expect(viaService.out).toEqual(early.out);
    const none = await replay('svc-none', sampleCsv(), ['--config', svc, '--detector', 'c']);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no detector named c/);
  });

  it.each([
    [
      'a non-number',
      'timestamp,cpu\n2026-01-01T00:00:00Z,0.5\n2026-01-01T00:00:15Z,abc\n',
      /:3: column "cpu" value "abc" is not a number/,
    ],
    [
      'a short row',
      'timestamp,cpu,mem\n2026-01-01T00:00:00Z,0.5,1\n2026-01-01T00:00:15Z,0.5\n',
      /:3: expected 3 columns/,
    ],
    ['a bad timestamp', 'timestamp,cpu\nyesterday,0.5\n', /:2: timestamp "yesterday" is neither/],
    ['a bad header', 'time,cpu\n2026-01-01T00:00:00Z,0.5\n', /:1: first header column must be "timestamp"/],
    ['a duplicate column', 'timestamp,cpu,cpu\n', /:1: header column "cpu" appears twice/],
    ['an empty file', '', /:1: empty file/],
    ['no data rows', 'timestamp,cpu\n', /:2: no data rows/],
    [
      'a blank line inside the data',
      'timestamp,cpu\n2026-01-01T00:00:00Z,1\n\n2026-01-01T00:00:30Z,1\n',
      /:3: blank line inside the data/,
    ],
  ])('rejects %s with exit 1 and one line naming file and line', async (_name, text, message) => {
    const { code, err, out } = await replay('bad', text);
    expect(code).toBe(1);
    expect(err).toMatch(message);
    expect(err).toMatch(/bad\.csv:\d+: /);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(out).toEqual([]);
  });

  it('rejects missing arguments and unreadable input', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      errors.push(String(c));
      return true;
    });
    try {
      expect(await run(['--output', join(dir, 'x.csv')])).toBe(1);
      expect(await run(['--input', join(dir, 'nope.csv'), '--output', join(dir, 'x.csv')])).toBe(1);
      expect(await run(['--input', 'a', '--output', 'b', '--frobnicate'])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors[0]).toMatch(/missing --input/);
    expect(errors[1]).toMatch(/nope\.csv: cannot read input \(ENOENT\)/);
    expect(errors[2]).toMatch(/unknown argument "--frobnicate"/);
  });

  describe('as a real process (built CLI)', () => {
    beforeAll(() => {
      if (!existsSync(MAIN))
        throw new Error(`${MAIN} is missing: run npm run build -w @homeostat/detector first`);
    });

    it('scores the bundled sample and exits 0', () => {
      const out = join(dir, 'sample.out.csv');
      const r = spawnSync(
        process.execPath,
        [MAIN, 'replay', '--input', resolve(__dirname, '../../samples/cpu-spike.csv'), '--output', out],
        {
          encoding: 'utf8',
        },
      );
      expect(r.status).toBe(0);
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      const input = readFileSync(resolve(__dirname, '../../samples/cpu-spike.csv'), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines).toHaveLength(input.length);
      // The sample's cpu spike (rows 540..559) is over the line, blamed on cpu, and opens one alarm.
      const spike = lines.slice(541, 561).map((l) => l.split(','));
      expect(spike.filter((c) => Number(c[1]) >= 1).length).toBeGreaterThanOrEqual(15);
      // cpu first; as the saturation goes on, the latency it causes may take over
      expect(spike.filter((c) => Number(c[1]) >= 1 && c[3] === 'cpu').length).toBeGreaterThanOrEqual(10);
      expect(spike.filter((c) => c[2] === '1')).toHaveLength(1);
    });

    it('exits non-zero with one line for a malformed file', () => {
      const bad = join(dir, 'malformed.csv');
      writeFileSync(bad, 'timestamp,cpu\r\n2026-01-01T00:00:00Z,1\r\n2026-01-01T00:00:15Z,x\r\n');
      const r = spawnSync(
        process.execPath,
        [MAIN, 'replay', '--input', bad, '--output', join(dir, 'm.out.csv')],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        `homeostat-detect: ${bad}:3: column "cpu" value "x" is not a number (leave it empty for a gap)`,
      ]);
    });

    it('says clearly when a command is unknown', () => {
      const r = spawnSync(process.execPath, [MAIN, 'frobnicate'], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/unknown command "frobnicate"/);
    });
  });
});
