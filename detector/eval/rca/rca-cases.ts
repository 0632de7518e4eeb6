import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One labelled incident, with the input files `homeostat-detect rca` reads for it. */
export interface RcaCase {
  id: string;
  fault: string;
  rootCause: string;
  /** Incident start as written in case.json (Unix seconds), passed as --from. */
  from: string;
  metricsPath: string;
  graphPath: string;
}

interface CaseJson {
  from: string;
  fault: string;
  root_cause: string;
  history_file: string;
  history_shift_s: number;
}

/**
 * The cases of a set in the format of shared/datasets/rca (see its README): each case's input is
 * the set's shared history with `history_shift_s` added to every timestamp, followed by the case's
 * own incident rows. The joined file is written to `workDir`, once per case.
 */
export function loadRcaCases(root: string, workDir: string): RcaCase[] {
  const index = JSON.parse(readFileSync(join(root, 'index.json'), 'utf8')) as { cases: { id: string }[] };
  const histories = new Map<string, string[]>();
  return index.cases.map(({ id }, i) => {
    const dir = join(root, id);
    const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseJson;
    const historyPath = join(dir, c.history_file);
    let history = histories.get(historyPath);
    if (!history)
      histories.set(historyPath, (history = readFileSync(historyPath, 'utf8').trimEnd().split(/\r?\n/)));
    const incident = readFileSync(join(dir, 'metrics.csv'), 'utf8').trimEnd().split(/\r?\n/);
    const out = [incident[0]];
    for (const line of history.slice(1)) {
      // The timestamp is the first cell, a bare number: shift it, keep the rest of the line as written.
      const comma = line.indexOf(',');
      out.push(`${Number(line.slice(0, comma)) + c.history_shift_s}${line.slice(comma)}`);
    }
    out.push(...incident.slice(1));
    const metricsPath = join(workDir, `case-${i}.csv`);
    writeFileSync(metricsPath, out.join('\n') + '\n');
    return {
      id,
      fault: c.fault,
      rootCause: c.root_cause,
      from: String(c.from),
      metricsPath,
      graphPath: join(dir, 'graph.csv'),
    };
  });
}
