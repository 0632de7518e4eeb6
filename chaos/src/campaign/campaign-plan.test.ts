import { ScenarioName } from '../experiment/experiment-schema';
import { loadScenario } from '../experiment/load-experiment';
import { planCampaign, planText, type PlanOptions } from './campaign-plan';

const all = ScenarioName.options.map((s) => loadScenario(s));
const opts = (seed: number, faults = 40): PlanOptions => ({
  seed,
  faults,
  experiments: all,
  backends: ['orders', 'payments', 'inventory'],
  durationSeconds: { min: 30, max: 60 },
  gapSeconds: { min: 20, max: 40 },
});

describe('planCampaign', () => {
  it('draws the replica of each fault from a stream of its own: plans drawn before it keep their faults', () => {
    const plan = planCampaign(opts(42, 50));
    for (const f of plan) expect(f.replicaDraw).toBeGreaterThanOrEqual(0);
    expect(plan.every((f) => f.replicaDraw < 1)).toBe(true);
    expect(new Set(plan.map((f) => Math.floor(f.replicaDraw * 2))).size).toBe(2);
    // the main sequence is untouched: seed 59519 (a recorded campaign, chaos/README.md) plans what it did before
    const recorded = planCampaign({ ...opts(59519, 4), durationSeconds: { min: 30, max: 45 }, gapSeconds: { min: 20, max: 30 } });
    expect(planText(59519, recorded).split('\n').slice(1)).toEqual([
      '  # 1 + 22s  memory-leak     on orders    for 45s  mbPerSecond=4 maxMb=256',
      '  # 2 + 24s  cpu-spike       on inventory for 32s  cores=1 utilization=0.8',
      '  # 3 + 25s  cpu-spike       on inventory for 34s  cores=1 utilization=0.86',
      '  # 4 + 30s  crash           on payments  for 31s',
    ]);
  });

  it('gives the same plan for the same seed and a different one for another seed', () => {
    expect(planCampaign(opts(42))).toEqual(planCampaign(opts(42)));
    expect(planText(42, planCampaign(opts(42)))).toBe(planText(42, planCampaign(opts(42))));
    expect(planCampaign(opts(43))).not.toEqual(planCampaign(opts(42)));
  });

  it('draws from every scenario and strikes every backend over a long campaign', () => {
    const plan = planCampaign(opts(7, 200));
    expect(new Set(plan.map((f) => f.scenario))).toEqual(new Set(ScenarioName.options));
    expect(new Set(plan.map((f) => f.service))).toEqual(new Set(['orders', 'payments', 'inventory']));
    // every scenario, packet loss included, strikes any backend: none is pinned to one service
    for (const name of ScenarioName.options)
      expect(new Set(plan.filter((f) => f.scenario === name).map((f) => f.service)).size).toBeGreaterThan(1);
  });

  it('keeps each draw within its declared range, on a backend the remediator may act on', () => {
    for (const f of planCampaign(opts(99, 200))) {
      expect(f.durationSeconds).toBeGreaterThanOrEqual(30);
      expect(f.durationSeconds).toBeLessThanOrEqual(60);
      expect(f.gapSeconds).toBeGreaterThanOrEqual(20);
      expect(f.gapSeconds).toBeLessThanOrEqual(40);
      const e = all.find((x) => x.name === f.scenario)!;
      for (const [name, r] of Object.entries(e.campaign.intensity)) {
        expect(f.params[name]).toBeGreaterThanOrEqual(r.min);
        expect(f.params[name]).toBeLessThanOrEqual(r.max);
      }
      expect(f.service).not.toBe('gateway');
    }
  });

  it('draws only from the scenarios it is given', () => {
    const only = all.filter((e) => e.name === 'crash' || e.name === 'cpu-spike');
    const plan = planCampaign({ ...opts(5, 30), experiments: only });
    expect(new Set(plan.map((f) => f.scenario))).toEqual(new Set(['crash', 'cpu-spike']));
  });

  it('plans nothing for a soak', () => {
    expect(planCampaign(opts(1, 0))).toEqual([]);
  });
});
