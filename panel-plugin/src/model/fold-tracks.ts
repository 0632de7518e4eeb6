import { Band, ScoreTrack } from './read-frames';

/** Entities drawn one by one; beyond this the bands of a fleet merge into one block and colours repeat. */
export const MAX_SHOWN_TRACKS = 5;

export interface FoldedTracks {
  /** The entities most worth a look, worst first: highest peak score, then name. */
  shown: ScoreTrack[];
  /** The rest, summarised in the legend. */
  folded: { count: number; peakScore: number | null };
  /** Bands of the shown entities only (bands without a service are kept). */
  bands: Band[];
}

function peak(t: ScoreTrack): number {
  return t.scores.reduce<number>((m, v) => (typeof v === 'number' && v > m ? v : m), -Infinity);
}

/**
 * Keeps the `max` entities with the highest peak score and folds the others, so twelve services read
 * as "the five that matter, and seven more that stayed at most this high".
 */
export function foldTracks(tracks: ScoreTrack[], bands: Band[], max = MAX_SHOWN_TRACKS): FoldedTracks {
  if (tracks.length <= max) {
    return { shown: tracks, folded: { count: 0, peakScore: null }, bands };
  }
  const ranked = [...tracks].sort((a, b) => peak(b) - peak(a) || a.name.localeCompare(b.name));
  const shown = ranked.slice(0, max);
  const rest = ranked.slice(max);
  const restPeak = Math.max(...rest.map(peak));
  const services = new Set(shown.map((t) => t.service).filter(Boolean));
  return {
    shown,
    folded: { count: rest.length, peakScore: Number.isFinite(restPeak) ? restPeak : null },
    bands: bands.filter((b) => !b.service || services.has(b.service)),
  };
}
