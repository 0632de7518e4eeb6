import { csvProblem, readCsvRecords } from './csv-records';

/** Reads a call-edge CSV, header `caller,callee`: one call a row (the caller depends on the callee). */
export function parseCallEdges(text: string, file: string): { caller: string; callee: string }[] {
  return readCsvRecords(text, file, ['caller', 'callee']).map(({ cells: [caller, callee], line }) => {
    if (caller === '') throw csvProblem(file, line, 'caller is empty');
    if (callee === '') throw csvProblem(file, line, 'callee is empty');
    return { caller, callee };
  });
}
