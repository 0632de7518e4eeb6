import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from './rca';

const MAIN = resolve(__dirname, '../../dist/cli/main.js');
const T = 1_700_000_000; // incident start, Unix seconds
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'homeostat-rca-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A small fleet in the long format: `web` calls "orders, eu" (a name that needs quoting), which
 * calls `db`. 60 steps of history, then 6 incident steps in which db gets 200 ms slower and so do
 * its callers; the incident rows use ISO 8601 timestamps, and db has one gap.
 */
function metricsCsv(): string {
  const lines = ['timestamp,entity,metric,value'];
  let s = 11;
  const r = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  for (let i = -60; i < 6; i++) {
    const t = T + i * 60;
    const ts = i < 0 ? String(t) : new Date(t * 1000).toISOString();
    const slow = i >= 0 ? 0.2 : 0;
    for (const [entity, q] of [
      ['web', 'web'],
      ['orders, eu', '"orders, eu"'],
      ['db', 'db'],
    ]) {
      const latency = entity === 'db' && i === 2 ? '' : (0.05 + 0.005 * r() + slow).toFixed(4);
      lines.push(`${ts},${q},latency_seconds,${latency}`);
      lines.push(`${ts},${q},request_rate,${(20 + r()).toFixed(2)}`);
    }
  }
  return lines.join('\n') + '\n';
}
const EDGES = 'caller,callee\nweb,"orders, eu"\n"orders, eu",db\n';

async function rca(
  args: string[],
  files: { metrics?: string; graph?: string } = {},
): Promise<{ code: number; out: string; err: string }> {
  const metrics = join(dir, 'metrics.csv');
  const graph = join(dir, 'edges.csv');
  writeFileSync(metrics, files.metrics ?? metricsCsv());
  writeFileSync(graph, files.graph ?? EDGES);
  const out: string[] = [];
  const err: string[] = [];
  const o = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => !!out.push(String(c)));
  const e = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => !!err.push(String(c)));
  try {
    const code = await run(['--metrics', metrics, '--graph', graph, ...args]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('homeostat-detect rca', () => {
  it('prints the ranking to stdout, the slow database first, names quoted where needed', async () => {
    const { code, out, err } = await rca(['--from', String(T)]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('rank,entity,score,top_metric');
    expect(lines).toHaveLength(4); // three entities, fewer than the default 5
    expect(lines[1]).toMatch(/^1,db,\d+\.\d{4},latency_seconds$/);
    expect(lines.slice(2).map((l) => l.split(',')[0])).toEqual(['2', '3']);
    expect(out).toContain('"orders, eu"');
  });

  it('takes --from as ISO 8601, keeps at most --top rows and writes --output', async () => {
    const output = join(dir, 'out.csv');
    const { code, out } = await rca([
      '--from',
      new Date(T * 1000).toISOString(),
      '--top',
      '1',
      '--output',
      output,
    ]);
    expect(code).toBe(0);
    expect(out).toBe('');
    expect(readFileSync(output, 'utf8').trimEnd().split('\n')).toEqual([
      'rank,entity,score,top_metric',
      expect.stringMatching(/^1,db,/),
    ]);
  });

  const bad: [string, { metrics?: string; graph?: string }, string[], RegExp][] = [
    [
      'a wrong metrics header',
      { metrics: 'time,entity,metric,value\n1,a,m,1\n' },
      [],
      /metrics\.csv:1: header must be/,
    ],
    [
      'a short row',
      { metrics: 'timestamp,entity,metric,value\n1,a,m,1\n2,a,m\n' },
      [],
      /metrics\.csv:3: expected 4 columns/,
    ],
    [
      'a value that is no number',
      { metrics: 'timestamp,entity,metric,value\n1,a,m,1\n2,a,m,fast\n' },
      [],
      /metrics\.csv:3: value "fast"/,
    ],
    [
      'an unreadable timestamp',
      { metrics: 'timestamp,entity,metric,value\n1,a,m,1\nyesterday,a,m,2\n' },
      [],
      /metrics\.csv:3: timestamp "yesterday"/,
    ],
    [
      'an empty entity',
      { metrics: 'timestamp,entity,metric,value\n1,,m,1\n' },
      [],
      /metrics\.csv:2: entity is empty/,
    ],
    [
      'an unclosed quote',
      { metrics: 'timestamp,entity,metric,value\n1,"a,m,1\n' },
      [],
      /metrics\.csv:\d+: not valid CSV/,
    ],
    ['a wrong edges header', { graph: 'from,to\na,b\n' }, [], /edges\.csv:1: header must be "caller,callee"/],
    ['an empty callee', { graph: 'caller,callee\nweb,db\nweb,\n' }, [], /edges\.csv:3: callee is empty/],
    ['no history before --from', {}, ['--from', String(T - 3600)], /metrics\.csv: no value before --from/],
    ['nothing from --from on', {}, ['--from', String(T + 3600)], /metrics\.csv: no value from --from on/],
    ['a bad --top', {}, ['--top', '0'], /--top "0"/],
    ['an unknown argument', {}, ['--verbose', 'yes'], /unknown argument "--verbose"/],
  ];
  it.each(bad)('exits 1 with one line for %s', async (_name, files, extra, message) => {
    const args = extra.includes('--from') ? extra : ['--from', String(T), ...extra];
    const { code, out, err } = await rca(args, files);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(message);
  });

  it('exits 1 naming a file it cannot read, and a missing --from', async () => {
    const missing = await run([
      '--metrics',
      join(dir, 'nope.csv'),
      '--graph',
      join(dir, 'nope2.csv'),
      '--from',
      '1',
    ]);
    expect(missing).toBe(1);
    const { code, err } = await rca([]);
    expect(code).toBe(1);
    expect(err).toMatch(/missing --from/);
  });

  const built = existsSync(MAIN) ? describe : describe.skip;
  built('as a real process (built CLI)', () => {
    it('ranks through `homeostat-detect rca` and exits 0', () => {
      const metrics = join(dir, 'proc-metrics.csv');
      const graph = join(dir, 'proc-edges.csv');
      writeFileSync(metrics, metricsCsv());
      writeFileSync(graph, EDGES);
      const r = spawnSync(
        process.execPath,
        [MAIN, 'rca', '--metrics', metrics, '--graph', graph, '--from', String(T)],
        {
          encoding: 'utf8',
        },
      );
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n')[1]).toMatch(/^1,db,/);
    });
  });
});
