/**
 * Kubernetes label-selector strings as the API server parses them: `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist), joined by commas.
 */
type Req = (labels: Record<string, string>) => boolean;

export function parseSelector(sel: string): Req[] {
  const reqs: Req[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  for (const raw of parts.map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(raw))) {
      const [, k, op, vs] = m as unknown as [string, string, string, string];
      const set = new Set(vs.split(',').map((v) => v.trim()));
      reqs.push(op === 'in' ? (l) => k in l && set.has(l[k]!) : (l) => !(k in l) || !set.has(l[k]!));
    } else if ((m = /^([\w./-]+)\s*(!=|==|=)\s*([\w./-]*)$/.exec(raw))) {
      const [, k, op, v] = m as unknown as [string, string, string, string];
      reqs.push(op === '!=' ? (l) => l[k] !== v : (l) => l[k] === v);
    } else if ((m = /^!\s*([\w./-]+)$/.exec(raw))) {
      const k = m[1]!;
      reqs.push((l) => !(k in l));
    } else if ((m = /^([\w./-]+)$/.exec(raw))) {
      const k = m[1]!;
      reqs.push((l) => k in l);
    } else throw new Error(`unable to parse requirement: ${raw}`);
  }
  return reqs;
}

export function matches(sel: string, labels: Record<string, string>): boolean {
  return parseSelector(sel).every((r) => r(labels));
}

/** A LabelSelector object (matchLabels + matchExpressions) as its string form. */
export function selectorString(s: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): string {
  const out = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const vs = (e.values ?? []).join(',');
    if (e.operator === 'In') out.push(`${e.key} in (${vs})`);
    else if (e.operator === 'NotIn') out.push(`${e.key} notin (${vs})`);
    else if (e.operator === 'Exists') out.push(e.key);
    else if (e.operator === 'DoesNotExist') out.push(`!${e.key}`);
  }
  return out.join(',');
}
