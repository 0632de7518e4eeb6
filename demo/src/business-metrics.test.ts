import { ActiveUsers, AvailabilityWindow } from './business-metrics';

describe('ActiveUsers', () => {
  it('counts distinct users seen within the window', () => {
    const u = new ActiveUsers(60_000);
    u.seen('a', 0);
    u.seen('b', 10_000);
    u.seen('a', 30_000);
    expect(u.count(30_000)).toBe(2);
    expect(u.count(70_001)).toBe(1); // b last seen at 10 s
    expect(u.count(90_001)).toBe(0);
  });
});

describe('AvailabilityWindow', () => {
  it('is the share of non-failed requests over the last window, 1 when idle', () => {
    const a = new AvailabilityWindow(60);
    expect(a.ratio(0)).toBe(1);
    for (let i = 0; i < 9; i++) a.record(true, 1000);
    a.record(false, 2000);
    expect(a.ratio(2000)).toBeCloseTo(0.9);
    expect(a.ratio(2000 + 60_000)).toBe(1); // everything aged out
  });
});
