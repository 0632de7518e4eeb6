import type { PreferredVisualisationType } from '@grafana/data';
import { FRAME_META_KEY, type HomeostatFrameKind } from '@homeostat/contracts';

/**
 * `meta` of every frame this datasource returns: the kind lets panels find scores, events and
 * timeline entries; records (everything but scores) ask Explore for a table, not a graph of their
 * numbers.
 */
export function frameMeta(kind: HomeostatFrameKind, extra: Record<string, unknown> = {}) {
  const preferredVisualisationType: PreferredVisualisationType | undefined = kind === 'scores' ? undefined : 'table';
  return { custom: { [FRAME_META_KEY]: kind, ...extra }, ...(preferredVisualisationType ? { preferredVisualisationType } : {}) };
}
