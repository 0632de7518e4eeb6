import { ChaosError } from '../errors';
import { parseCampaignArgs } from './campaign-args';

describe('chaos campaign command line', () => {
  it('parses a campaign with defaults: heal on, processes, all eight scenarios', () => {
    const a = parseCampaignArgs(['--seed', '42', '--faults', '40']);
    expect(a).toMatchObject({ seed: 42, faults: 40, heal: ['on'], fleet: 'processes', replicas: 1, soakSeconds: 0, faultSeconds: { min: 30, max: 60 } });
    expect(parseCampaignArgs(['--seed', '42', '--faults', '40', '--replicas', '2']).replicas).toBe(2);
    expect(a.scenarios).toHaveLength(8);
  });

  it('--heal both runs off then on; --stack is --fleet; ranges and a narrowed pool', () => {
    expect(parseCampaignArgs(['--seed', '1', '--faults', '4', '--heal', 'both', '--stack', 'docker', '--fault-seconds', '20-30', '--scenarios', 'crash,cpu-spike'])).toMatchObject({
      heal: ['off', 'on'],
      fleet: 'docker',
      faultSeconds: { min: 20, max: 30 },
      scenarios: ['crash', 'cpu-spike'],
    });
  });

  it('--faults 0 is a soak of --duration seconds (default 1800)', () => {
    expect(parseCampaignArgs(['--seed', '1', '--faults', '0', '--duration', '600']).soakSeconds).toBe(600);
    expect(parseCampaignArgs(['--seed', '1', '--faults', '0']).soakSeconds).toBe(1800);
  });

  it.each([
    [['--faults', '4'], 'seed'],
    [['--seed', '1'], 'faults'],
    [['--seed', 'x', '--faults', '4'], 'seed'],
    [['--seed', '1', '--faults', '4', '--heal', 'maybe'], 'heal'],
    [['--seed', '1', '--faults', '4', '--duration', '60'], 'duration'],
    [['--seed', '1', '--faults', '4', '--scenarios', 'meteor'], 'scenarios'],
    [['--seed', '1', '--faults', '4', '--fault-seconds', '60-30'], 'fault-seconds'],
    [['--seed', '1', '--faults', '4', '--fleet', 'k8s'], 'fleet'],
    [['--seed', '1', '--faults', '4', '--replicas', '0'], 'replicas'],
    [['--seed', '1', '--faults', '4', '--replicas', '2', '--fleet', 'docker'], 'replicas'],
  ])('%j is refused naming --%s', (argv, field) => {
    expect.assertions(2);
    try {
      parseCampaignArgs(argv);
    } catch (e) {
      expect(e).toBeInstanceOf(ChaosError);
      expect((e as ChaosError).field).toBe(field);
    }
  });
});
