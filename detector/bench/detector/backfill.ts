import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `hours` of history for `series` entities at `stepSeconds` as OpenMetrics and turns it into
 * TSDB blocks with `promtool tsdb create-blocks-from openmetrics`, so the replay benchmark reads a
 * full day from a real Prometheus without waiting a day. Returns the end of the history (ms).
 */
export async function backfill(
  dataDir: string,
  series: number,
  hours: number,
  stepSeconds: number,
): Promise<number> {
  const end = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
  const start = end - hours * 3600_000;
  const file = join(dataDir, 'history.om');
  const out = createWriteStream(file);
  const write = (s: string) => new Promise<void>((r) => (out.write(s) ? r() : out.once('drain', () => r())));
  await write(
    '# HELP bench_replay_value Synthetic history for the replay benchmark.\n# TYPE bench_replay_value gauge\n',
  );
  for (let i = 0; i < series; i++) {
    const lines: string[] = [];
    for (let t = start; t <= end; t += stepSeconds * 1000) {
      const v = 10 + 3 * Math.sin((2 * Math.PI * t) / 86_400_000 + i) + Math.random();
      lines.push(`bench_replay_value{entity="r${i}"} ${v.toFixed(4)} ${t / 1000}\n`);
    }
    await write(lines.join(''));
  }
  await write('# EOF\n');
  await new Promise<void>((r) => out.end(() => r()));
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, join(dataDir, 'data')], {
    stdio: 'pipe',
  });
  return end;
}
