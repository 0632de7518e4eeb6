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
