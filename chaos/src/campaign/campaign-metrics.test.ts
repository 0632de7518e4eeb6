import type { SignalPoint } from '../metrics/detection-intervals';
import type { ActionObservation } from '../runner/run-record';
import { computeCampaignMetrics, type CampaignFacts, type FaultFacts } from './campaign-metrics';
import { campaignTargets } from './campaign-targets';

const S = 1000;
const T0 = 1_700_000_000_000;
const at = (s: number) => T0 + s * S;

/** A per-second signal over [0, 300] s, anomalous inside the given [from, to] second ranges. */
function signal(...ranges: [number, number][]): SignalPoint[] {
  const out: SignalPoint[] = [];
  for (let s = 0; s <= 300; s++) out.push({ t: at(s), anomalous: ranges.some(([a, b]) => s >= a && s <= b) });
  return out;
}

const fault = (
  index: number,
  scenario: string,
  service: string,
  from: number,
  to: number,
  over: Partial<FaultFacts> = {},
): FaultFacts => ({
  index,
  scenario,
  service,
  start: at(from),
  end: at(to),
  healedWhen: 'action',
  expectedActions: scenario === 'crash' ? ['restart'] : ['scale_out'],
  withinSeconds: 90,
  sloAvailability: 0.99,
  ...over,
});

const action = (
  a: string,
  target: string,
  s: number,
  over: Partial<ActionObservation> = {},
): ActionObservation => ({
  action: a,
  target,
  startedAt: at(s),
  finishedAt: at(s + 1),
  result: 'succeeded',
  verification: 'passed',
  reason: 'rule',
  ...over,
});

/** Healthy everywhere except the given second ranges; 100 requests a second, errors where unhealthy. */
function facts(over: Partial<CampaignFacts>, unhealthy: [number, number][] = []): CampaignFacts {
  const bad = (s: number) => unhealthy.some(([a, b]) => s >= a && s <= b);
  const seconds = Array.from({ length: 301 }, (_, s) => s);
  return {
    faults: [],
    detections: {},
    remediatingAlerts: {},
    actions: [],
    health: seconds.map((s) => ({ t: at(s), healthy: !bad(s) })),
    load: seconds.map((s) => ({ t: at(s), requests: 100, errors: bad(s) ? 50 : 0 })),
    span: { start: at(0), end: at(300) },
    services: ['gateway', 'orders', 'payments', 'inventory'],
    graceMs: 15 * S,
    sustainSeconds: 5,
    ...over,
  };
}

describe('computeCampaignMetrics', () => {
  it('heals a crash restarted on its own service: detected, recovered, no false action', () => {
    const m = computeCampaignMetrics(
      facts(
        {
          faults: [fault(1, 'crash', 'orders', 100, 110)],
          detections: { orders: signal([103, 120]), gateway: signal([102, 118]) },
          actions: [action('restart', 'orders', 105)],
        },
        [[100, 110]],
      ),
    );
    expect(m.faults[0]).toMatchObject({ healed: true, mttdSeconds: 3, why: null, mttrSeconds: 11 });
    expect(m.falseActions).toEqual([]);
    expect(m.detection).toMatchObject({ incidents: 1, truePositives: 1, recall: 1, precision: 1 });
  });

  it('does not call a fault healed that users waited out: an expired fault with impact to its end', () => {
    // latency on orders 100-140 s, ran its length (expired); the scale-out at 106 s passed verification but
    // users were unhealthy until the fault expired. An error spike ended by its restart at 106 s is healed.
    const m = computeCampaignMetrics(
      facts(
        {
          faults: [
            fault(1, 'latency', 'orders', 100, 140, { endedBy: 'expired' }),
            fault(2, 'error-spike', 'payments', 200, 206, {
              endedBy: 'restarted',
              expectedActions: ['restart'],
            }),
          ],
          detections: { orders: signal([104, 142]), payments: signal([203, 210]) },
          actions: [action('scale_out', 'orders', 106), action('restart', 'payments', 206)],
        },
        [
          [100, 140],
          [200, 206],
        ],
      ),
    );
    expect(m.faults[0]).toMatchObject({ healed: false, mttrSeconds: 41 });
    expect(m.faults[0]!.why).toMatch(
      /recovered only when the fault expired .*scale_out did not end the impact/,
    );
    expect(m.faults[1]).toMatchObject({ healed: true, why: null });
    // a record from before the rule (no endedBy) is judged as it was
    const old = computeCampaignMetrics(
      facts(
        {
          faults: [fault(1, 'latency', 'orders', 100, 140)],
          detections: { orders: signal([104, 142]) },
          actions: [action('scale_out', 'orders', 106)],
        },
        [[100, 140]],
      ),
    );
    expect(old.faults[0]).toMatchObject({ healed: true });
    // a cpu spike users never saw, with a 2 s blip 3 s after it expired: healed, not outlived
    const blip = computeCampaignMetrics(
      facts(
        {
          faults: [fault(1, 'cpu-spike', 'orders', 100, 140, { endedBy: 'expired' })],
          detections: { orders: signal([104, 130]) },
          actions: [action('scale_out', 'orders', 106)],
        },
        [[143, 144]],
      ),
    );
    expect(blip.faults[0]).toMatchObject({ healed: true, why: null });
  });

  it('counts an action on another service as false and does not let it heal the fault', () => {
    const m = computeCampaignMetrics(
      facts({
        faults: [fault(1, 'cpu-spike', 'orders', 100, 130)],
        detections: { orders: signal([104, 140]) },
        actions: [action('scale_out', 'inventory', 106)],
      }),
    );
    expect(m.falseActions).toHaveLength(1);
    expect(m.falseActions[0].why).toMatch(/not the faulted orders/);
    expect(m.faults[0]).toMatchObject({ healed: false, why: 'no action on orders' });
    expect(campaignTargets(m).find((t) => t.name === 'false-actions')).toMatchObject({
      measured: '1',
      met: false,
    });
  });

  it('counts an action outside every fault window (+grace) as false, and lists skipped ones apart', () => {
    const m = computeCampaignMetrics(
      facts({
        faults: [fault(1, 'cpu-spike', 'orders', 100, 130)],
        actions: [
          action('scale_out', 'orders', 80),
          action('scale_out', 'gateway', 110, {
            result: 'skipped',
            verification: 'not_applicable',
            reason: 'downstream symptom of orders',
          }),
        ],
      }),
    );
    expect(m.falseActions.map((a) => a.why)).toEqual(['outside every fault window (+grace)']);
    expect(m.suppressed.map((a) => a.reason)).toEqual(['downstream symptom of orders']);
  });

  it('treats a detection already active before the fault as a false positive, never an MTTD of 0', () => {
    const m = computeCampaignMetrics(
      facts({
        faults: [fault(1, 'cpu-spike', 'orders', 100, 130)],
        detections: { orders: signal([90, 140]) },
        actions: [action('scale_out', 'orders', 105)],
      }),
    );
    expect(m.faults[0]).toMatchObject({ activeBefore: true, mttdSeconds: null, detectedAt: null });
    expect(m.detection).toMatchObject({ incidents: 1, falsePositives: 1, recall: 0, precision: 0 });
    expect(m.mttdP50Seconds).toBeNull();
  });

  it('does not heal on an action that failed verification', () => {
    const m = computeCampaignMetrics(
      facts({
        faults: [fault(1, 'cpu-spike', 'orders', 100, 130)],
        detections: { orders: signal([104, 140]) },
        actions: [action('scale_out', 'orders', 106, { result: 'rolled_back', verification: 'failed' })],
      }),
    );
    expect(m.faults[0]).toMatchObject({ healed: false, why: 'action failed verification' });
  });

  it('heals a within-slo scenario only when nothing acted and users stayed within the SLO', () => {
    const quiet = fault(1, 'disk', 'inventory', 100, 130, { healedWhen: 'within-slo', expectedActions: [] });
    expect(computeCampaignMetrics(facts({ faults: [quiet] })).faults[0].healed).toBe(true);
    const acted = computeCampaignMetrics(
      facts({ faults: [quiet], actions: [action('restart', 'inventory', 110)] }),
    );
    expect(acted.faults[0]).toMatchObject({ healed: false });
    expect(acted.faults[0].why).toMatch(/no action was expected/);
    expect(computeCampaignMetrics(facts({ faults: [quiet] }, [[100, 130]])).faults[0].healed).toBe(false);
  });

  it('takes MTTR p50 over crash and cpu-spike only, a never-recovered fault as infinite', () => {
    const m = computeCampaignMetrics(
      facts(
        {
          faults: [
            fault(1, 'crash', 'orders', 50, 60),
            fault(2, 'latency', 'payments', 100, 110),
            fault(3, 'cpu-spike', 'orders', 200, 210),
          ],
        },
        [
          [50, 55],
          [100, 140],
          [200, 300],
        ],
      ),
    );
    expect(m.faults.map((f) => f.mttrSeconds)).toEqual([6, 41, null]);
    expect(m.mttrP50Seconds).toBe(6);
    expect(campaignTargets(m).find((t) => t.name === 'mttr-p50')).toMatchObject({ met: true });
  });

  it('does not blame a fault for user trouble that began after its window (+grace)', () => {
    const m = computeCampaignMetrics(
      facts(
        { faults: [fault(1, 'crash', 'orders', 100, 110)], actions: [action('restart', 'orders', 104)] },
        [[160, 170]],
      ),
    );
    expect(m.faults[0]).toMatchObject({ impacted: false, mttrSeconds: 0, healed: true });
  });

  it('counts remediating alerts outside faults per service-hour (a soak)', () => {
    const m = computeCampaignMetrics(
      facts({ remediatingAlerts: { orders: signal([10, 20]), payments: signal() } }),
    );
    expect(m.quietAlerts).toHaveLength(1);
    // 1 alert over 4 services x 300 s = 1/3 service-hour
    expect(m.quietAlertsPerServiceHour).toBeCloseTo(3, 5);
    expect(campaignTargets(m).map((t) => t.name)).toEqual([
      'false-actions',
      'availability',
      'quiet-alerts-per-service-hour',
    ]);
  });
});
