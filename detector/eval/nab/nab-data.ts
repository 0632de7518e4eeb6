import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvSeries, CsvSeries } from '../../src/cli/csv-series';

/** One NAB data file with its label windows converted to inclusive row ranges. */
export interface NabDataFile {
  folder: string;
  name: string;
  series: CsvSeries;
  windows: [number, number][];
}

export const NAB_FOLDERS = ['realAWSCloudwatch', 'realKnownCause', 'artificialWithAnomaly'] as const;

/** NAB label timestamps (`2014-04-10 07:15:00.000000`) are UTC, like the data rows. */
function labelTime(s: string): number {
  return Date.parse(s.replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1') + 'Z');
}

export function loadNab(root: string): NabDataFile[] {
  const labels = JSON.parse(readFileSync(join(root, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  const out: NabDataFile[] = [];
  for (const folder of NAB_FOLDERS) {
    const dir = join(root, 'data', folder);
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.csv'))
      .sort()) {
      const path = join(dir, file);
      const series = parseCsvSeries(readFileSync(path, 'utf8'), path);
      const key = `${folder}/${file}`;
      const ts = series.timestamps;
      const windows = (labels[key] ?? []).map(([a, b]): [number, number] => {
        const start = labelTime(a);
        const end = labelTime(b);
        let l = ts.findIndex((t) => t >= start);
        let r = -1;
        for (let i = ts.length - 1; i >= 0; i--)
          if (ts[i] <= end) {
            r = i;
            break;
          }
        if (l < 0) l = ts.length;
        return [l, r];
      });
      out.push({ folder, name: key, series, windows: windows.filter(([l, r]) => r >= l) });
    }
  }
  return out;
}
