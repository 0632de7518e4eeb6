import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { NAB_PROFILES, nabScore, NabFile } from '../../src/engine/nab-scorer';
import { loadNab, NAB_FOLDERS } from './nab-data';

const run = promisify(execFile);

/** The goal of issue 12: the NAB standard score of the shipped CLI, default config, on the subset. */
const GOAL = 68;

/**
 * `npm run eval:nab [-- --config FILE]`: runs `homeostat-detect replay` — the shipped CLI, as a user
 * would — on every NAB file of the shared subset, reads the alarms it writes (`is_anomaly`: where an
 * alarm opens, the pipeline's alarm gate) and scores them exactly as NAB v1.1 does
 * (src/engine/nab-scorer.ts). It adds no detection logic of its own.
 */
async function main(): Promise<void> {
  const pkgDir = resolve(__dirname, '../../../..');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const cli = join(pkgDir, pkg.bin['homeostat-detect']);
  const root = process.env.NAB_ROOT ?? resolve(pkgDir, '../../shared/datasets/nab');
  const extra = process.argv.slice(2);
  const out = mkdtempSync(join(tmpdir(), 'homeostat-nab-'));
  const t0 = Date.now();
  const data = loadNab(root);
  const files: (NabFile & { folder: string })[] = [];
  // Two CLI processes at a time: one per core of the machine the figures were measured on.
  let next = 0;
  const worker = async () => {
    while (next < data.length) {
      const f = data[next++];
      const input = join(root, 'data', f.name);
      const output = join(out, f.name.replace('/', '__'));
      await run(process.execPath, [cli, 'replay', '--input', input, '--output', output, ...extra]);
      const rows = readFileSync(output, 'utf8').trim().split('\n').slice(1);
      const col = 2; // timestamp,anomaly_score,is_anomaly,top_feature
      const scores = Float64Array.from(rows, (r) => Number(r.split(',')[col]));
      if (scores.length !== f.series.values.length)
        throw new Error(`${f.name}: the CLI wrote ${scores.length} rows for ${f.series.values.length}`);
      files.push({ folder: f.folder, name: f.name, windows: f.windows, scores });
    }
  };
  await Promise.all([worker(), worker()]);
  files.sort((a, b) => (a.name < b.name ? -1 : 1));
  rmSync(out, { recursive: true, force: true });
  const rows = files.reduce((a, f) => a + f.scores.length, 0);
  console.log(
    `NAB subset: ${files.length} files, ${rows} rows, ${files.reduce((a, f) => a + f.windows.length, 0)} windows`,
  );
  console.log(
    `scored through the CLI: node ${cli} replay --input F --output OUT${extra.length ? ' ' + extra.join(' ') : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const groups: [string, typeof files][] = [
    ...NAB_FOLDERS.map((g): [string, typeof files] => [g, files.filter((f) => f.folder === g)]),
    ['overall', files],
  ];
  console.log(
    `${'set'.padEnd(24)} ${'standard'.padStart(9)} ${'low FP'.padStart(9)} ${'low FN'.padStart(9)}   windows hit / K, FPs (standard)`,
  );
  let overall = 0;
  for (const [name, set] of groups) {
    const r = NAB_PROFILES.map((p) => nabScore(set, p));
    if (name === 'overall') overall = r[0].score;
    console.log(
      `${name.padEnd(24)} ${r.map((x) => x.score.toFixed(2).padStart(9)).join(' ')}   ${r[0].detectedWindows}/${r[0].windows}, ${r[0].falsePositives} FP`,
    );
  }
  if (process.env.NAB_PER_FILE) {
    const r = nabScore(files, NAB_PROFILES[0]);
    for (const [f, s] of Object.entries(r.perFile)) console.log(`  ${s.toFixed(3).padStart(8)}  ${f}`);
  }
  console.log(
    `target nab_standard_subset: ${overall.toFixed(2)} (goal ${GOAL}) ${overall >= GOAL ? 'met' : 'missed'}`,
  );
}

main().catch((err: unknown) => {
  console.error(`eval:nab: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
