import { EventsQuery, ScoreRequest, issuePath } from './index';

describe('ScoreRequest', () => {
  const base = { from: 1_700_000_000_000, to: 1_700_000_600_000, stepSeconds: 15 };

  it('accepts a configured detector', () => {
    expect(ScoreRequest.parse({ ...base, detector: 'services' }).detector).toBe('services');
  });

  it.each([
    ['to', { ...base, to: base.from, detector: 'd' }],
    ['detector', { ...base }],
    ['detector', { ...base, detector: 'd', query: 'up' }],
    ['stepSeconds', { ...base, stepSeconds: 0, detector: 'd' }],
    // Unix seconds would silently be read as a day in January 1970
    ['from', { ...base, from: 1_700_000_000, detector: 'd' }],
    ['to', { ...base, from: 0, to: 1_700_000_600, detector: 'd' }],
  ])('rejects a bad request naming %s', (field, body) => {
    const r = ScoreRequest.safeParse(body);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.map((i) => issuePath(i.path))).toContain(field);
  });
});

describe('EventsQuery', () => {
  it('reads query-string milliseconds and 0, and rejects a time in seconds naming it', () => {
    expect(EventsQuery.parse({ from: '0', to: '1700000600000' })).toEqual({ from: 0, to: 1_700_000_600_000 });
    const r = EventsQuery.safeParse({ from: '1700000000', to: '1700000600000' });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.map((i) => issuePath(i.path))).toEqual(['from']);
  });
});
