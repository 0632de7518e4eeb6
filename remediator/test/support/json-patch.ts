/** RFC 6902 JSON patch and RFC 7386 merge patch, as the fake API server applies them. */
export type Json = Record<string, unknown>;

export class PatchError extends Error {
  constructor(
    readonly status: 409 | 422,
    message: string,
  ) {
    super(message);
  }
}

const clone = <T>(v: T): T => structuredClone(v);
const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

function parent(doc: unknown, path: string): [Json | unknown[], string] {
  const parts = path.split('/').slice(1).map(unescape);
  const last = parts.pop();
  if (last === undefined) throw new PatchError(422, `bad path ${path}`);
  let cur: unknown = doc;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') throw new PatchError(422, `path ${path} does not exist`);
    cur = Array.isArray(cur) ? cur[Number(p)] : (cur as Json)[p];
  }
  if (cur === null || typeof cur !== 'object') throw new PatchError(422, `path ${path} does not exist`);
  return [cur as Json | unknown[], last];
}

interface Op {
  op: 'add' | 'replace' | 'remove' | 'test';
  path: string;
  value?: unknown;
}

/** Applies the ops to a copy; a failed `test` or a missing path is a 422, as on a real API server. */
export function jsonPatch<T>(doc: T, ops: Op[]): T {
  const out = clone(doc);
  for (const o of ops) {
    const [p, k] = parent(out, o.path);
    const arr = Array.isArray(p);
    const has = arr ? Number(k) < p.length || k === '-' : k in p;
    const get = () => (arr ? p[Number(k)] : (p as Json)[k]);
    switch (o.op) {
      case 'test':
        if (!has || JSON.stringify(get()) !== JSON.stringify(o.value))
          throw new PatchError(422, `test operation failed at ${o.path}`);
        break;
      case 'remove':
        if (!has) throw new PatchError(422, `remove: ${o.path} does not exist`);
        if (arr) p.splice(Number(k), 1);
        else delete (p as Json)[k];
        break;
      case 'replace':
        if (!has) throw new PatchError(422, `replace: ${o.path} does not exist`);
        if (arr) p[Number(k)] = clone(o.value);
        else (p as Json)[k] = clone(o.value);
        break;
      case 'add':
        if (arr) p.splice(k === '-' ? p.length : Number(k), 0, clone(o.value));
        else (p as Json)[k] = clone(o.value);
        break;
      default:
        throw new PatchError(422, `unsupported op ${(o as Op).op}`);
    }
  }
  return out;
}

/** RFC 7386: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Json =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? clone(target as Json) : {};
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
