import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ChaosError } from '../errors';
import { ScenarioName } from './experiment-schema';
import { listExperimentFiles, loadScenario, parseExperiment } from './load-experiment';

describe('experiment files', () => {
  it('there is exactly one file per scenario', () => {
    const names = listExperimentFiles().map((f) => f.replace(/^.*\//, '').replace('.yml', ''));
    expect(names).toEqual([...ScenarioName.options].sort());
  });

  it.each(ScenarioName.options)('%s validates and has a steady state, an injection and rollbacks', (name) => {
    const e = loadScenario(name);
    expect(e.name).toBe(name);
    expect(e.steadyStateHypothesis.probes.length).toBeGreaterThan(0);
    expect(e.method.injection.durationSeconds).toBeGreaterThan(0);
    expect(e.rollbacks.length).toBeGreaterThan(0);
    // each file declares what counts as healed: expected actions, or no action with users within the SLO
    if (e.expectedHealing.healedWhen === 'action') expect(e.expectedHealing.actions.length).toBeGreaterThan(0);
    else expect(e.expectedHealing.sloAvailability).toBeGreaterThan(0);
  });

  it('the fault parameters meet the seed scenarios (cpu >= 80 %, latency >= 500 ms, loss 10-20 % on a backend link)', () => {
    expect(Number(loadScenario('cpu-spike').method.injection.params.utilization)).toBeGreaterThanOrEqual(0.8);
    expect(Number(loadScenario('latency').method.injection.params.ms)).toBeGreaterThanOrEqual(500);
    const loss = loadScenario('packet-loss');
    expect(loss.target.service).not.toBe('gateway');
    expect(loss.campaign.targets).toBe('backends');
    expect(Number(loss.method.injection.params.ratio)).toBeGreaterThanOrEqual(0.1);
    expect(Number(loss.method.injection.params.ratio)).toBeLessThanOrEqual(0.2);
  });
});

describe('a bad experiment names the key', () => {
  type Obj = Record<string, unknown>;
  const good = (): Obj =>
    parse(readFileSync(listExperimentFiles().find((f) => f.endsWith('cpu-spike.yml'))!, 'utf8')) as Obj;

  /** Sets (or with undefined deletes) the value at a dotted path of a parsed YAML document. */
  const setAt = (root: Obj, path: string, value: unknown) => {
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce<Obj>((o, k) => o[k] as Obj, root);
    const last = keys[keys.length - 1];
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  };
  const cases: [string, string, unknown, string][] = [
    ['a negative duration', 'method.injection.durationSeconds', -5, 'method.injection.durationSeconds'],
    ['an unknown fault', 'method.injection.fault', 'meteor', 'method.injection.fault'],
    ['a tolerance without bounds', 'steadyStateHypothesis.probes.1.tolerance', {}, 'steadyStateHypothesis.probes.1.tolerance'],
    ['a misspelt key', 'method.warmupSecs', 3, 'method'],
    ['an unknown healing action', 'expectedHealing.actions', ['pray'], 'expectedHealing.actions.0'],
    ['missing rollbacks', 'rollbacks', undefined, 'rollbacks'],
    ['healing by action without an expected action', 'expectedHealing.actions', [], 'expectedHealing.actions'],
    ['an unknown healedWhen', 'expectedHealing.healedWhen', 'hope', 'expectedHealing.healedWhen'],
    ['an inverted intensity range', 'campaign.intensity.utilization', { min: 0.9, max: 0.8 }, 'campaign.intensity.utilization'],
  ];

  it.each(cases)('%s', (_n, path, value, field) => {
    const e = good();
    setAt(e, path, value);
    let err: unknown;
    try {
      parseExperiment(e, 'bad.yml');
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(ChaosError);
    expect((err as ChaosError).code).toBe('INVALID_EXPERIMENT');
    expect((err as ChaosError).field).toBe(field);
    expect((err as ChaosError).message).toContain(field);
  });

  it('healedWhen: within-slo needs no expected action', () => {
    const e = good();
    setAt(e, 'expectedHealing', { healedWhen: 'within-slo', withinSeconds: 90 });
    expect(parseExperiment(e).expectedHealing).toMatchObject({ healedWhen: 'within-slo', actions: [], sloAvailability: 0.99 });
  });

  it('an unknown scenario lists the known ones', () => {
    expect(() => loadScenario('meteor-strike')).toThrow(/unknown scenario "meteor-strike"; one of cpu-spike, memory-leak/);
  });
});
