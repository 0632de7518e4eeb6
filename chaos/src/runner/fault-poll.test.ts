import { pollFault, type FaultPollState } from './fault-poll';

const ack = { fault: 'latency', startedAt: 1_000_000, endsAt: 1_045_000 };
const mine = { fault: 'latency', startedAt: 1_000_000, endsAt: 1_045_000, active: true };
const start: FaultPollState = { wasDown: false, observedEnd: null };

/** Polls in order, each at its time; the state after the last. */
const run = (polls: [number, Parameters<typeof pollFault>[2]][], crash = false) =>
  polls.reduce((s, [t, list]) => pollFault(s, ack, list, crash, t), start);

describe('pollFault: when the runner sees an injected fault end', () => {
  it('a fault still active has not ended; its own record ends it verbatim when it expires', () => {
    expect(run([[1_010_000, [mine]]]).observedEnd).toBeNull();
    expect(run([[1_010_000, [mine]], [1_046_000, [{ ...mine, active: false, endsAt: 1_045_012 }]]]).observedEnd).toBe(1_045_012);
  });

  it('a restart the polls saw down ends the fault when the fresh process answers', () => {
    expect(run([[1_010_000, [mine]], [1_011_000, null], [1_012_500, []]]).observedEnd).toBe(1_012_500);
  });

  it('a replica restarted between two polls (never seen down) ends the fault at the poll that finds the fresh process', () => {
    // the remediator's restart: drained while still answering, then killed, spawned and ready within a second
    expect(run([[1_010_000, [mine]], [1_011_000, [mine]], [1_012_000, []]]).observedEnd).toBe(1_012_000);
  });

  it('a crash ends when the process answers again, whoever started it', () => {
    expect(run([[1_001_000, null], [1_030_000, []]], true)).toEqual({ wasDown: true, observedEnd: 1_030_000 });
  });

  it('the first end seen stays: later polls do not move it', () => {
    expect(run([[1_012_000, []], [1_013_000, null], [1_014_000, []]]).observedEnd).toBe(1_012_000);
  });
});
