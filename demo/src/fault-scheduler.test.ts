import { z } from 'zod';
import { FaultScheduler, type FaultDefinition } from './fault-scheduler';

function setup() {
  const events: string[] = [];
  const def: FaultDefinition<{ level: number }> = {
    name: 'demo',
    params: z.object({ level: z.number().int().min(1).max(5).default(2) }),
    defaultDurationSeconds: 30,
    maxDurationSeconds: 60,
    start: ({ level }) => {
      events.push(`start ${level}`);
      return { stop: () => void events.push('stop') };
    },
  };
  const changes: Array<[string, boolean]> = [];
  const s = new FaultScheduler(new Map([['demo', def as FaultDefinition<never>]]), {
    onChange: (f, a) => changes.push([f, a]),
  });
  return { s, events, changes };
}

describe('FaultScheduler', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('returns the exact window and auto-stops when the duration is up', async () => {
    const { s, events, changes } = setup();
    const w = await s.start('demo', { durationSeconds: 10 });
    expect(w).toMatchObject({
      fault: 'demo',
      startedAt: 1_700_000_000_000,
      endsAt: 1_700_000_010_000,
      params: { level: 2 },
      active: true,
    });
    await jest.advanceTimersByTimeAsync(9_999);
    expect(s.isActive('demo')).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(s.isActive('demo')).toBe(false);
    expect(events).toEqual(['start 2', 'stop']);
    expect(changes).toEqual([
      ['demo', true],
      ['demo', false],
    ]);
    expect(s.list().history).toEqual([
      { ...w, endsAt: 1_700_000_010_000, endedBy: 'expired', active: false },
    ]);
  });

  it('a timer that fires before the clock reaches the end is set again: the fault acts its full duration', async () => {
    // after the start, the clock the scheduler reads lags the timers by 1 ms, as Node's rounded loop clock can
    let lag = 0;
    const def: FaultDefinition<{ level: number }> = {
      name: 'demo',
      params: z.object({ level: z.number().default(1) }),
      defaultDurationSeconds: 30,
      maxDurationSeconds: 60,
      start: () => ({ stop: () => undefined }),
    };
    const s = new FaultScheduler(new Map([['demo', def as FaultDefinition<never>]]), {
      now: () => Date.now() - lag,
    });
    const w = await s.start('demo', { durationSeconds: 1.5 });
    lag = 1;
    await jest.advanceTimersByTimeAsync(1_500);
    expect(s.isActive('demo')).toBe(true);
    await jest.advanceTimersByTimeAsync(1);
    expect(s.isActive('demo')).toBe(false);
    const [ended] = s.list().history;
    expect(ended.endedBy).toBe('expired');
    expect(ended.endsAt - w.startedAt).toBe(1_500);
  });

  it('a stop records the actual end, which the history repeats', async () => {
    const { s } = setup();
    const w = await s.start('demo', { level: 4 });
    expect(w.endsAt - w.startedAt).toBe(30_000); // default duration
    jest.advanceTimersByTime(2_500);
    const stopped = await s.stop('demo');
    expect(stopped).toMatchObject({
      startedAt: w.startedAt,
      endsAt: w.startedAt + 2_500,
      endedBy: 'stopped',
      active: false,
    });
    expect(s.list()).toEqual({ active: [], history: [stopped] });
  });

  it('starting an active fault again replaces it and closes the first window', async () => {
    const { s, events } = setup();
    await s.start('demo', { level: 1 });
    jest.advanceTimersByTime(1000);
    await s.start('demo', { level: 3 });
    expect(events).toEqual(['start 1', 'stop', 'start 3']);
    expect(s.list().history[0]).toMatchObject({ endedBy: 'replaced', endsAt: 1_700_000_001_000 });
    expect(s.list().active).toHaveLength(1);
  });

  it.each([
    [{ durationSeconds: 61 }, 'durationSeconds', 400],
    [{ durationSeconds: -1 }, 'durationSeconds', 400],
    [{ durationSeconds: 'soon' }, 'durationSeconds', 400],
    [{ level: 9 }, 'level', 400],
  ])('rejects %j naming the field', async (body, field, statusCode) => {
    const { s, events } = setup();
    await expect(s.start('demo', body)).rejects.toMatchObject({ code: 'BAD_REQUEST', field, statusCode });
    expect(events).toEqual([]);
  });

  it('unknown faults are 404 and stopping an idle fault is 409', async () => {
    const { s } = setup();
    await expect(s.start('nope', {})).rejects.toMatchObject({ code: 'UNKNOWN_FAULT', statusCode: 404 });
    await expect(s.stop('demo')).rejects.toMatchObject({ code: 'FAULT_NOT_ACTIVE', statusCode: 409 });
  });
});
