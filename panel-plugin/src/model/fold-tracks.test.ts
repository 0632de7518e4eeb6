import { foldTracks } from './fold-tracks';
import { nearestIndex } from './field-value';
import { ScoreTrack } from './read-frames';

const track = (service: string, peak: number): ScoreTrack => ({
  name: service,
  service,
  times: [1, 2],
  scores: [0.1, peak],
  anomalies: [false, peak >= 1],
  topFeatures: [null, null],
  metrics: [],
});

describe('foldTracks', () => {
  it('keeps every entity when there are few', () => {
    const tracks = [track('a', 0.2), track('b', 3)];
    expect(foldTracks(tracks, []).shown).toBe(tracks);
  });

  it('of twelve, shows the five worst and folds seven with their highest score', () => {
    const tracks = Array.from({ length: 12 }, (_, i) => track(`svc-${i}`, i === 7 ? 9 : i / 10));
    const bands = tracks.map((t) => ({ start: 1, end: 2, label: t.name, topFeatures: '', service: t.service }));
    const f = foldTracks(tracks, bands);
    expect(f.shown.map((t) => t.name)).toEqual(['svc-7', 'svc-11', 'svc-10', 'svc-9', 'svc-8']);
    expect(f.folded).toEqual({ count: 7, peakScore: 0.6 });
    expect(f.bands.map((b) => b.service)).toEqual(['svc-7', 'svc-8', 'svc-9', 'svc-10', 'svc-11']);
  });
});

describe('nearestIndex', () => {
  it.each([
    [0, 0],
    [14, 1],
    [16, 2],
    [99, 3],
  ])('t=%s -> %s', (t, i) => {
    expect(nearestIndex([0, 10, 20, 30], t)).toBe(i);
  });
});
