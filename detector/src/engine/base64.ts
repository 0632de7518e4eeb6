import { DetectorError } from '../errors';

function bytes(s: string, size: number): Buffer {
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength % size !== 0) {
    throw new DetectorError(
      'INVALID_STATE',
      `snapshot array has ${buf.byteLength} bytes, not a multiple of ${size}`,
    );
  }
  return buf;
}

/** Exact, compact serialisation of typed arrays (their bytes, base64) for model snapshots. */
export function float64ToBase64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function int32ToBase64(a: Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function base64ToFloat64(s: string): Float64Array {
  const buf = bytes(s, 8);
  // Copy into a fresh, aligned buffer: Buffer slices may start at an odd offset of the pool.
  const out = new Float64Array(buf.byteLength / 8);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function base64ToInt32(s: string): Int32Array {
  const buf = bytes(s, 4);
  const out = new Int32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}
