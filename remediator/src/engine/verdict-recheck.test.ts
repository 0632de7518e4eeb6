import { compilePolicy } from '../policy/load-policy';
import type { Wait } from '../store/incident-waits';
import { VerdictRecheck } from './verdict-recheck';

const POLICY = compilePolicy({
  rules: [
    {
      name: 'errors',
      match: { alertname: 'HomeostatAnomaly', top_feature: 'errors' },
      target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
      allow: ['a', 'b'],
      ladder: [{ action: 'restart' }],
    },
  ],
});

/** Two symptoms a and b, both skipped as symptoms of the gateway; the store's writes can fail. */
function setup() {
  const waiting = new Map<string, string | null>([
    ['a', 'verdict'],
    ['b', 'verdict'],
  ]);
  const failOn = new Set<string>();
  let verdict: Record<string, string> = { a: 'gateway', b: 'gateway' };
  const write = (id: string, fn: () => boolean) => {
    if (failOn.has(id)) throw new Error(`store down for ${id}`);
    return fn();
  };
  const r = new VerdictRecheck({
    store: {
      incidentRow: (id) =>
        ({
          id,
          fingerprint: `fp-${id}`,
          labels: { alertname: 'HomeostatAnomaly', service: id },
          annotations: { top_feature: 'errors', root_cause: 'gateway' },
          source: 'alertmanager',
        }) as never,
    },
    waits: {
      repark: (id) => void write(id, () => true),
      clear: (id) => void write(id, () => (waiting.set(id, null), true)),
      verdictChanged: (id) => write(id, () => (waiting.set(id, null), true)),
    },
    policy: POLICY,
    alerts: {
      firing: async () => true,
      score: async () => null,
      annotations: async (alerts) =>
        alerts.map((x) => ({ top_feature: 'errors', root_cause: verdict[x.labels.service!]! })),
    },
    clock: { now: () => 1_000, timer: () => () => undefined } as never,
    log: { warn: () => undefined },
  });
  r.watch('a', 1_000, 60_000);
  r.watch('b', 1_000, 60_000);
  const due: Wait[] = ['a', 'b'].map((incidentId) => ({ incidentId, step: 0, on: 'verdict', until: 0 }));
  return {
    r,
    due,
    waiting,
    failOn,
    set: (v: Record<string, string>) => (verdict = v),
  };
}

describe('VerdictRecheck', () => {
  it('returns the incident whose verdict changed even when a later write in the same pass fails', async () => {
    const s = setup();
    s.set({ a: 'a', b: 'gateway' });
    const signal = new AbortController().signal;
    expect(await s.r.due(s.due, signal)).toEqual({ decide: [], failed: 0 }); // a's new verdict seen once
    s.failOn.add('b'); // b's repark fails (a store that went away)
    expect(await s.r.due(s.due, signal)).toEqual({ decide: ['a'], failed: 1 });
    expect(s.waiting.get('a')).toBeNull();
    expect(s.waiting.get('b')).toBe('verdict'); // still parked: read again later
  });

  it('writes nothing once stopped, even for a verdict already seen once', async () => {
    const s = setup();
    s.set({ a: 'a', b: 'gateway' });
    const stop = new AbortController();
    await s.r.due(s.due, stop.signal);
    stop.abort();
    expect(await s.r.due(s.due, stop.signal)).toEqual({ decide: [], failed: 0 });
    expect(s.waiting.get('a')).toBe('verdict');
  });
});
