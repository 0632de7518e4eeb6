import type { RangeSeries } from './prometheus-client';

/**
 * Joins one range query per feature into one row per (entity, timestamp). The entity is the value
 * of the groupBy labels; a query whose result is not aggregated by exactly those labels yields
 * several series per entity, of which the first wins (the others are counted as `duplicates`).
 */
export interface EntityFrame {
  key: string;
  labels: Record<string, string>;
  /** Ascending Unix ms; only timestamps where at least one feature has a finite value. */
  timestamps: number[];
  /** rows[i][f] = feature f at timestamps[i], null where missing or NaN/Inf. */
  rows: (number | null)[][];
}

export interface AlignedFrames {
  entities: Map<string, EntityFrame>;
  duplicates: number;
}

/** `k="v",...` in groupBy order: the stable entity id of the REST API (EntityInfo.key). */
export function entityKey(groupBy: readonly string[], labels: Record<string, string>): string {
  return groupBy.map((l) => `${l}=${JSON.stringify(labels[l] ?? '')}`).join(',');
}

export function pickLabels(
  groupBy: readonly string[],
  labels: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of groupBy) out[l] = labels[l] ?? '';
  return out;
}

export function alignFeatures(
  features: readonly string[],
  groupBy: readonly string[],
  results: ReadonlyArray<readonly RangeSeries[]>,
  match?: Record<string, string>,
): AlignedFrames {
  const byEntity = new Map<
    string,
    { labels: Record<string, string>; points: Map<number, (number | null)[]> }
  >();
  const seen = new Set<string>();
  let duplicates = 0;
  results.forEach((seriesList, f) => {
    for (const s of seriesList) {
      const labels = pickLabels(groupBy, s.labels);
      if (match && Object.entries(match).some(([k, v]) => labels[k] !== v && s.labels[k] !== v)) continue;
      const key = entityKey(groupBy, labels);
      if (seen.has(`${f}\u0000${key}`)) {
        duplicates++;
        continue;
      }
      seen.add(`${f}\u0000${key}`);
      let e = byEntity.get(key);
      if (!e) byEntity.set(key, (e = { labels, points: new Map() }));
      for (let i = 0; i < s.timestamps.length; i++) {
        const v = s.values[i];
        if (!Number.isFinite(v)) continue;
        let row = e.points.get(s.timestamps[i]);
        if (!row) e.points.set(s.timestamps[i], (row = new Array<number | null>(features.length).fill(null)));
        row[f] = v;
      }
    }
  });
  const entities = new Map<string, EntityFrame>();
  for (const [key, e] of byEntity) {
    const timestamps = [...e.points.keys()].sort((a, b) => a - b);
    entities.set(key, {
      key,
      labels: e.labels,
      timestamps,
      rows: timestamps.map((t) => e.points.get(t) ?? []),
    });
  }
  return { entities, duplicates };
}
