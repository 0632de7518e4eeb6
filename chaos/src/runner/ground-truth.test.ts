import { resolveGroundTruth } from './ground-truth';

const ack = { fault: 'cpu', startedAt: 1_000_000, endsAt: 1_030_000 };

describe('resolveGroundTruth', () => {
  it('takes the process own record verbatim when it has it (expired on time)', () => {
    const h = [
      { fault: 'cpu', startedAt: 900_000, endsAt: 910_000, active: false, endedBy: 'expired' },
      { fault: 'cpu', startedAt: 1_000_000, endsAt: 1_030_004, active: false, endedBy: 'expired' },
    ];
    expect(resolveGroundTruth(ack, 'orders', h, 1_031_000, 1_060_000)).toEqual({
      fault: 'cpu',
      service: 'orders',
      start: 1_000_000,
      end: 1_030_004,
      endedBy: 'expired',
    });
  });

  it('an early DELETE ends the window at the DELETE', () => {
    const h = [{ fault: 'cpu', startedAt: 1_000_000, endsAt: 1_012_345, active: false, endedBy: 'stopped' }];
    expect(resolveGroundTruth(ack, 'orders', h, null, 1_060_000)).toMatchObject({ end: 1_012_345, endedBy: 'stopped' });
  });

  it('a process that came back without its history (crash, restart) ends when it was seen again', () => {
    expect(resolveGroundTruth({ ...ack, fault: 'crash' }, 'orders', [], 1_021_500, 1_060_000)).toEqual({
      fault: 'crash',
      service: 'orders',
      start: 1_000_000,
      end: 1_021_500,
      endedBy: 'restarted',
    });
  });

  it('never seen back: the window lasts to the end of the run', () => {
    expect(resolveGroundTruth({ ...ack, fault: 'crash' }, 'orders', null, null, 1_060_000)).toMatchObject({
      end: 1_060_000,
      endedBy: 'run-ended',
    });
  });
});
