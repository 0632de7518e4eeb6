import { ChaosError } from '../errors';
import { parseChaosArgs } from './cli-args';

describe('chaos command line', () => {
  it('parses a run with defaults', () => {
    expect(parseChaosArgs(['--scenario', 'cpu-spike', '--heal', 'off'])).toMatchObject({
      command: 'run',
      scenarios: ['cpu-spike'],
      heal: ['off'],
      repeat: 1,
      durationSeconds: undefined,
      fleet: 'processes',
    });
  });

  it('all, both, repeat, duration, load', () => {
    const a = parseChaosArgs(['--scenario', 'all', '--heal', 'both', '--repeat', '3', '--duration', '20', '--load', 'spike']);
    expect(a).toMatchObject({ heal: ['off', 'on'], repeat: 3, durationSeconds: 20, load: 'spike' });
    expect(a.command === 'run' && a.scenarios).toHaveLength(8);
  });

  it('the fleet runs as Docker containers when asked', () => {
    expect(parseChaosArgs(['--scenario', 'crash', '--fleet', 'docker'])).toMatchObject({ fleet: 'docker' });
  });

  it('report --jtl with a fault window', () => {
    expect(parseChaosArgs(['report', '--jtl', 'a.jtl', '--heal', 'on', '--fault-start', '1000', '--fault-end', '2000'])).toMatchObject({
      command: 'report',
      jtl: ['a.jtl'],
      heal: true,
      faultStart: 1000,
      faultEnd: 2000,
    });
  });

  it.each([
    [['--heal', 'off'], 'scenario'],
    [['--scenario', 'meteor'], 'scenario'],
    [['--scenario', 'crash', '--heal', 'maybe'], 'heal'],
    [['--scenario', 'crash', '--repeat', '0'], 'repeat'],
    [['--scenario', 'crash', '--duration', '1.5'], 'duration'],
    [['--scenario', 'crash', '--load', 'tsunami'], 'load'],
    [['--scenario', 'crash', '--fleet', 'vms'], 'fleet'],
    [['report'], 'jtl'],
    [['report', '--jtl', 'a', '--fault-start', '5'], 'fault-end'],
  ])('%j is refused naming --%s', (argv, field) => {
    let err: unknown;
    try {
      parseChaosArgs(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChaosError);
    expect((err as ChaosError).field).toBe(field);
    expect((err as ChaosError).statusCode).toBe(2);
  });

  it('an unknown flag is refused', () => {
    expect(() => parseChaosArgs(['--scenario', 'crash', '--hael', 'on'])).toThrow(/hael/);
  });
});
