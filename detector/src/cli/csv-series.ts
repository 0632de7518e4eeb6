import { DetectorError } from '../errors';

/** A parsed `timestamp,value[,value...]` CSV: one entry per data row, in file order. */
export interface CsvSeries {
  features: string[];
  /** The timestamp text as written (echoed to the output), and its value in Unix ms. */
  timestampText: string[];
  timestamps: number[];
  /** values[i][j]: row i, feature j; null where the cell is empty, NaN or null (a gap). */
  values: (number | null)[][];
  /** 1-based file line of each data row, for error messages. */
  lines: number[];
  /**
   * Lines whose timestamp is not after the previous row's (real exports have them, e.g. NAB's
   * daylight-saving repeats). Rows are taken in file order: such a row is scored as the next step,
   * 1 ms after the previous one, and the replay reports how many there were.
   */
  unordered: number[];
}

const MISSING = new Set(['', 'nan', 'null', 'na', 'none']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// NAB's `2014-02-14 14:30:00` and ISO 8601; both read as UTC when no zone is given.
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses a timestamp: a number is Unix milliseconds (numbers below 1e11 are taken as seconds, since
 * 1e11 ms is 1973 and 1e11 s is the year 5138); a date-time string is ISO 8601 (UTC unless zoned).
 */
export function parseTimestamp(text: string): number | null {
  const t = text.trim();
  if (NUMBER.test(t)) {
    const n = Number(t);
    return Math.abs(n) < 1e11 ? n * 1000 : n;
  }
  const m = DATE_TIME.exec(t);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[5] ?? 'Z'}`);
  return Number.isFinite(ms) ? ms : null;
}

function fail(file: string, line: number, problem: string): never {
  throw new DetectorError('INVALID_CSV', `${file}:${line}: ${problem}`, { field: `line ${line}` });
}

/** Parses the whole file (LF or CRLF). Every problem names the file, the line and what is wrong. */
export function parseCsvSeries(text: string, file: string): CsvSeries {
  const raw = text.startsWith('\ufeff') ? text.slice(1) : text;
  const lines = raw.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) fail(file, 1, 'empty file: expected a header "timestamp,<feature>[,<feature>...]"');
  const header = lines[0]
    .replace(/\r$/, '')
    .split(',')
    .map((h) => h.trim());
  if (header.length < 2)
    fail(file, 1, `header needs a timestamp column and at least one value column, got "${lines[0].trim()}"`);
  if (header[0].toLowerCase() !== 'timestamp')
    fail(file, 1, `first header column must be "timestamp", got "${header[0]}"`);
  const features = header.slice(1);
  const seen = new Set<string>();
  features.forEach((f, j) => {
    if (f === '') fail(file, 1, `header column ${j + 2} is empty`);
    if (seen.has(f)) fail(file, 1, `header column "${f}" appears twice`);
    seen.add(f);
  });
  const out: CsvSeries = {
    features,
    timestampText: [],
    timestamps: [],
    values: [],
    lines: [],
    unordered: [],
  };
  let prev = -Infinity;
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') {
      // A blank last line is a common editor artefact; a blank line inside the data is not.
      if (lines.slice(i + 1).every((l) => l.replace(/\r$/, '').trim() === '')) break;
      fail(file, lineNo, 'blank line inside the data');
    }
    const cells = line.split(',');
    if (cells.length !== header.length) {
      fail(file, lineNo, `expected ${header.length} columns (${header.join(',')}), got ${cells.length}`);
    }
    const ts = parseTimestamp(cells[0]);
    if (ts === null)
      fail(file, lineNo, `timestamp "${cells[0].trim()}" is neither Unix ms nor an ISO 8601 date-time`);
    let stepTs = ts;
    if (ts <= prev) {
      out.unordered.push(lineNo);
      stepTs = prev + 1;
    }
    prev = stepTs;
    const row: (number | null)[] = [];
    for (let j = 1; j < cells.length; j++) {
      const c = cells[j].trim();
      if (MISSING.has(c.toLowerCase())) row.push(null);
      else if (NUMBER.test(c)) row.push(Number(c));
      else
        fail(file, lineNo, `column "${header[j]}" value "${c}" is not a number (leave it empty for a gap)`);
    }
    out.timestampText.push(cells[0].trim());
    out.timestamps.push(stepTs);
    out.values.push(row);
    out.lines.push(lineNo);
  }
  if (out.values.length === 0) fail(file, 2, 'no data rows after the header');
  return out;
}
