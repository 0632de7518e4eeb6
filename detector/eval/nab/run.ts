import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NAB_PROFILES, nabScore, NabFile } from '../../src/engine/nab-scorer';
import { loadNab, NAB_FOLDERS } from './nab-data';
import { nabScores, NabDetectorConfig } from './nab-detector';

/**
 * `npm run eval:nab`: replays every NAB file of the shared subset causally through the detector
 * with one configuration (eval/nab/config.json) and prints NAB standard / low-FP / low-FN per
 * folder and overall, scored exactly as NAB v1.1 does (src/engine/nab-scorer.ts).
 */
function main(): void {
  const here = resolve(__dirname, '../../../../eval/nab');
  const root = process.env.NAB_ROOT ?? resolve(__dirname, '../../../../../../shared/datasets/nab');
  const cfgPath = process.argv[2] ?? join(here, 'config.json');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as NabDetectorConfig;
  const t0 = Date.now();
  const data = loadNab(root);
  const files: (NabFile & { folder: string })[] = data.map((f) => ({
    folder: f.folder,
    name: f.name,
    windows: f.windows,
    scores: nabScores(f.series, cfg),
  }));
  const rows = files.reduce((a, f) => a + f.scores.length, 0);
  console.log(
    `NAB subset: ${files.length} files, ${rows} rows, ${files.reduce((a, f) => a + f.windows.length, 0)} windows; config ${cfgPath}`,
  );
  console.log(`replayed causally in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const groups: [string, typeof files][] = [
    ...NAB_FOLDERS.map((g): [string, typeof files] => [g, files.filter((f) => f.folder === g)]),
    ['overall', files],
  ];
  console.log(
    `${'set'.padEnd(24)} ${'standard'.padStart(9)} ${'low FP'.padStart(9)} ${'low FN'.padStart(9)}   windows hit / K, FPs (standard)`,
  );
  for (const [name, set] of groups) {
    const r = NAB_PROFILES.map((p) => nabScore(set, p));
    console.log(
      `${name.padEnd(24)} ${r.map((x) => x.score.toFixed(2).padStart(9)).join(' ')}   ${r[0].detectedWindows}/${r[0].windows}, ${r[0].falsePositives} FP, θ=${r[0].threshold.toFixed(4)}`,
    );
  }
  if (process.env.NAB_PER_FILE) {
    const r = nabScore(files, NAB_PROFILES[0]);
    for (const [f, s] of Object.entries(r.perFile)) console.log(`  ${s.toFixed(3).padStart(8)}  ${f}`);
  }
}

main();
