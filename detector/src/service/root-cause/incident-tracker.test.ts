import { IncidentTracker } from './incident-tracker';

describe('IncidentTracker', () => {
  const min = 60_000;
  it('takes symptoms that cross while the incident is young, and opens another incident for a later anomaly', () => {
    const t = new IncidentTracker('d', 15 * min, 2 * min);
    for (let m = 0; m <= 40; m++) t.observe('orders', m * min, 1.5); // a long fault
    t.observe('gateway', 3 * min, 1.2); // its symptom, 3 min in: same incident
    t.observe('inventory', 20 * min, 1.9); // 20 min in, unrelated: its own incident
    t.observe('inventory', 21 * min, 1.9);
    const open = t.at(21 * min);
    expect(open.map((i) => [...i.members.keys()])).toEqual([['orders', 'gateway'], ['inventory']]);
    expect(open[0].id).toBe(`d:${new Date(0).toISOString()}`);
    expect(open[1].start).toBe(20 * min);
    // gateway's symptom ended long ago but orders still burns: the first incident stays open.
    expect(t.at(30 * min).length).toBe(1); // inventory quiet since 21 min: closed
    expect(t.at(43 * min)).toEqual([]);
  });

  it('an entity that disappears leaves its incident, which closes with its last member', () => {
    const t = new IncidentTracker('d', 15 * min, 2 * min);
    t.observe('a', 0, 1.4);
    t.forget('a');
    expect(t.at(0)).toEqual([]);
  });
});
