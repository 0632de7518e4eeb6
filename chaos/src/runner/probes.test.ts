import type { Probe } from '../experiment/experiment-schema';
import { LoadRecorder } from '../load/load-recorder';
import { adjustToBaseline, healthyAt, withinTolerance } from './probes';

const p95: Probe = { name: 'p95', source: 'load', metric: 'latency_p95_ms', windowSeconds: 2, tolerance: { max: 300, baselineFactor: 2 } };
const err: Probe = { name: 'err', source: 'load', metric: 'error_ratio', windowSeconds: 2, tolerance: { max: 0.02 } };

describe('probes', () => {
  it.each([
    [5, { max: 10 }, true],
    [10, { max: 10 }, true],
    [11, { max: 10 }, false],
    [1, { min: 1 }, true],
    [0, { min: 1 }, false],
    [null, { max: 10 }, false],
  ])('%s within %j is %s', (v, t, ok) => {
    expect(withinTolerance(v, t)).toBe(ok);
  });

  it('a baseline factor raises max to a multiple of the measured baseline, never lowers it', () => {
    expect(adjustToBaseline([p95, err], [{ name: 'p95', value: 250, ok: true }])[0].tolerance.max).toBe(500);
    expect(adjustToBaseline([p95], [{ name: 'p95', value: 100, ok: true }])[0].tolerance.max).toBe(300);
    expect(adjustToBaseline([err], [{ name: 'err', value: 0.5, ok: false }])[0].tolerance.max).toBe(0.02);
  });

  it('health per second comes from the load seen in the window before it', () => {
    let now = 1_000_000;
    const rec = new LoadRecorder(() => now);
    for (let s = 0; s < 4; s++) {
      now = 1_000_000 + s * 1000;
      for (let i = 0; i < 10; i++) rec.response(s === 2 && i < 3 ? 500 : 200, 50);
    }
    expect(healthyAt([p95, err], rec, 1_002_000)).toBe(true); // seconds 0,1
    expect(healthyAt([p95, err], rec, 1_003_000)).toBe(false); // seconds 1,2: 3/20 errors
  });
});
