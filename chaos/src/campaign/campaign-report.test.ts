import type { ActionObservation } from '../runner/run-record';
import { computeCampaignMetrics } from './campaign-metrics';
import type { CampaignRecording, CampaignSide } from './campaign-record';
import { renderCampaignHtml } from './campaign-report';
import { campaignText } from './campaign-summary';

const T0 = 1_700_000_000_000;
const at = (s: number) => T0 + s * 1000;
const act = (action: string, target: string, s: number, result = 'succeeded', reason = 'rule'): ActionObservation => ({
  action,
  target,
  startedAt: at(s),
  finishedAt: at(s + 1),
  result,
  verification: result === 'skipped' ? 'not_applicable' : 'passed',
  reason,
});

function side(heal: boolean): CampaignSide {
  const faults = [
    { index: 1, scenario: 'crash', service: 'orders', start: at(100), end: at(108), endedBy: 'restarted', params: {}, healedWhen: 'action' as const, expectedActions: ['restart'], withinSeconds: 90, sloAvailability: 0.99 },
  ];
  const actions = heal ? [act('restart', 'orders', 104), act('scale_out', 'gateway', 105, 'skipped', 'symptom: downstream symptom of orders')] : [];
  const seconds = Array.from({ length: 200 }, (_, i) => i);
  const load = seconds.map((i) => ({ t: at(i), requests: 100, errors: i >= 100 && i < 104 ? 40 : 0, timeouts: 0, p50Ms: 5, p95Ms: 20, p99Ms: 30 }));
  const metrics = computeCampaignMetrics({
    faults,
    detections: heal ? { orders: seconds.map((i) => ({ t: at(i), anomalous: i >= 102 && i <= 110 })) } : null,
    remediatingAlerts: heal ? {} : null,
    actions,
    health: seconds.map((i) => ({ t: at(i), healthy: !(i >= 100 && i < 104) })),
    load,
    span: { start: at(0), end: at(199) },
    services: ['gateway', 'orders'],
    graceMs: 15_000,
    sustainSeconds: 5,
  });
  return { heal, fleet: 'processes', startedAt: at(0), warmupEnd: at(0), endedAt: at(199), faults, actions, load, metrics, notes: [], stackDir: '/tmp/x' };
}

const rec: CampaignRecording = {
  version: 1,
  kind: 'campaign',
  createdAt: T0,
  command: 'chaos campaign --seed 3 --faults 1 --heal both',
  seed: 3,
  soakSeconds: null,
  plan: [{ index: 1, scenario: 'crash', service: 'orders', gapSeconds: 20, durationSeconds: 30, params: {}, replicaDraw: 0 }],
  sides: [side(false), side(true)],
};

describe('campaign report', () => {
  it('puts both heal modes side by side and judges the targets on heal on', () => {
    const text = campaignText(rec);
    expect(text).toMatch(/heal off\s+heal on/);
    expect(text).toMatch(/^target healing-success: 100\.0 % \(goal >= 95\.0 %\) met$/m);
    expect(text).toMatch(/^target false-actions: 0 \(goal 0\) met$/m);
    expect(text).toContain('#1 crash on orders: NOT healed');
  });

  it('lists each suppressed symptom action with its reason, in a self-contained page', () => {
    const html = renderCampaignHtml(rec);
    expect(html).toContain('symptom: downstream symptom of orders');
    expect(html).toContain('Heal off: faults');
    expect(html).toContain('Heal on: faults');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it('says how many replicas each backend ran as, and which one took each fault when there were several', () => {
    // a recording from before --replicas: one process per backend
    expect(campaignText(rec)).toContain('heal on (processes, 1 replica per backend):');
    const two = side(true);
    two.replicas = 2;
    two.faults = two.faults.map((f) => ({ ...f, replica: '127.0.0.1:41002' }));
    const r2: CampaignRecording = { ...rec, command: 'chaos campaign --seed 3 --faults 1 --replicas 2', sides: [two] };
    expect(campaignText(r2)).toContain('heal on (processes, 2 replicas per backend):');
    expect(campaignText(r2)).toContain('#1 crash on orders (127.0.0.1:41002):');
    expect(renderCampaignHtml(r2)).toContain('heal on (processes, 2 replicas per backend)');
  });
});
