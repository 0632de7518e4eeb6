import { parse } from 'csv-parse/sync';
import { DetectorError } from '../errors';

/** One data row of a headed CSV: its cells (trimmed) and the 1-based file line it ends on. */
export interface CsvRecord {
  cells: string[];
  line: number;
}

export function csvProblem(file: string, line: number, problem: string): DetectorError {
  return new DetectorError('INVALID_CSV', `${file}:${line}: ${problem}`, { field: `line ${line}` });
}

/**
 * Reads a CSV (RFC 4180 quoting, LF or CRLF, optional BOM) whose header must be exactly `columns`
 * (case and surrounding spaces ignored). Every row must have that many cells; blank lines are skipped.
 * Any problem is one DetectorError naming the file and the line.
 */
export function readCsvRecords(text: string, file: string, columns: readonly string[]): CsvRecord[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, csv-parse returns {record, info} per row, which its typings do not express.
    rows = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as { lines?: number; message?: string };
    const reason = String(e.message ?? err).split(':')[0];
    throw csvProblem(file, e.lines ?? 1, `not valid CSV (${reason})`);
  }
  const expected = columns.join(',');
  if (rows.length === 0) throw csvProblem(file, 1, `empty file: expected the header "${expected}"`);
  const header = rows[0].record.map((h) => h.toLowerCase());
  if (header.join(',') !== expected)
    throw csvProblem(
      file,
      rows[0].info.lines,
      `header must be "${expected}", got "${rows[0].record.join(',')}"`,
    );
  if (rows.length === 1) throw csvProblem(file, 2, 'no data rows after the header');
  return rows.slice(1).map(({ record, info }) => {
    if (record.length !== columns.length)
      throw csvProblem(
        file,
        info.lines,
        `expected ${columns.length} columns (${expected}), got ${record.length}`,
      );
    return { cells: record, line: info.lines };
  });
}

/** A CSV cell: quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
