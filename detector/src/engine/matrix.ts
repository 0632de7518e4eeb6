import { DetectorError } from '../errors';

/** A row-major matrix: row i, column j is data[i * width + j]. */
export interface Matrix {
  data: Float64Array;
  rows: number;
  width: number;
}

/**
 * Validates rows and packs them into one Float64Array. Every problem is named: no rows, a ragged
 * row, a non-finite value (with its row and column), a width that differs from the model's.
 */
export function toMatrix(rows: ArrayLike<ArrayLike<number>>, expectedWidth?: number): Matrix {
  if (!rows || typeof rows.length !== 'number') {
    throw new DetectorError('INVALID_INPUT', 'rows must be an array of number arrays', { field: 'rows' });
  }
  const n = rows.length;
  if (n === 0)
    throw new DetectorError('EMPTY_INPUT', 'no rows: at least one row is required', { field: 'rows' });
  const first = rows[0];
  if (!first || typeof first.length !== 'number') {
    throw new DetectorError('INVALID_INPUT', 'row 0 is not an array of numbers', { field: 'rows.0' });
  }
  const width = first.length;
  if (width === 0) throw new DetectorError('EMPTY_INPUT', 'row 0 has no values', { field: 'rows.0' });
  if (expectedWidth !== undefined && width !== expectedWidth) {
    throw new DetectorError(
      'WRONG_WIDTH',
      `rows have ${width} features but the model was fitted on ${expectedWidth}`,
      { field: 'rows.0' },
    );
  }
  const data = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (!row || typeof row.length !== 'number') {
      throw new DetectorError('INVALID_INPUT', `row ${i} is not an array of numbers`, { field: `rows.${i}` });
    }
    if (row.length !== width) {
      throw new DetectorError(
        'RAGGED_ROWS',
        `ragged rows: row ${i} has ${row.length} values, row 0 has ${width}`,
        {
          field: `rows.${i}`,
        },
      );
    }
    const base = i * width;
    for (let j = 0; j < width; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new DetectorError(
          'NON_FINITE_VALUE',
          `row ${i}, column ${j} is ${String(v)}: values must be finite numbers`,
          {
            field: `rows.${i}.${j}`,
          },
        );
      }
      data[base + j] = v;
    }
  }
  return { data, rows: n, width };
}

/** Checks a packed matrix (the typed-array entry points) with the same messages as toMatrix. */
export function checkMatrix(data: Float64Array, width: number, expectedWidth?: number): number {
  if (!(data instanceof Float64Array)) {
    throw new DetectorError('INVALID_INPUT', 'data must be a Float64Array', { field: 'data' });
  }
  if (!Number.isInteger(width) || width <= 0) {
    throw new DetectorError('INVALID_INPUT', `width must be a positive integer, got ${width}`, {
      field: 'width',
    });
  }
  if (expectedWidth !== undefined && width !== expectedWidth) {
    throw new DetectorError(
      'WRONG_WIDTH',
      `rows have ${width} features but the model was fitted on ${expectedWidth}`,
      {
        field: 'width',
      },
    );
  }
  if (data.length === 0)
    throw new DetectorError('EMPTY_INPUT', 'no rows: at least one row is required', { field: 'data' });
  if (data.length % width !== 0) {
    throw new DetectorError(
      'RAGGED_ROWS',
      `data has ${data.length} values, not a multiple of the width ${width}`,
      {
        field: 'data',
      },
    );
  }
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) {
      const i = Math.floor(k / width);
      throw new DetectorError(
        'NON_FINITE_VALUE',
        `row ${i}, column ${k - i * width} is ${data[k]}: values must be finite numbers`,
        {
          field: `rows.${i}.${k - i * width}`,
        },
      );
    }
  }
  return data.length / width;
}
