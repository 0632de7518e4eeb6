import { FRAME_META_KEY, type HomeostatFrameKind } from '@homeostat/contracts';

/** `meta` of every frame this datasource returns: the kind lets panels find scores, events and timeline entries. */
export function frameMeta(kind: HomeostatFrameKind, extra: Record<string, unknown> = {}) {
  return { custom: { [FRAME_META_KEY]: kind, ...extra } };
}
