import { parseConfig } from './config';
import { engineOptions } from './model-factory';

const detector = (extra: Record<string, unknown> = {}) =>
  parseConfig({
    prometheus: { url: 'http://127.0.0.1:9090' },
    detectors: [{ name: 'd', queries: { cpu: 'x', mem: 'y' }, ...extra }],
  }).detectors[0];

describe('engineOptions', () => {
  it('turns seconds into sample counts at the step and sensitivity into contamination', () => {
    const o = engineOptions(detector({ sensitivity: 2 }), 15, 'k');
    expect(o).toMatchObject({
      features: ['cpu', 'mem'],
      trainingWindow: 240,
      refitEvery: 60,
      contamination: 0.02,
      trees: 100,
    });
    // The same detector replayed at a coarser step keeps the same time span.
    expect(engineOptions(detector(), 60, 'k').trainingWindow).toBe(60);
  });

  it('spreads the refit phase of many entities evenly, and the same key always gets the same options', () => {
    const d = detector();
    const phases = new Map<number, number>();
    for (let i = 0; i < 6000; i++) {
      const o = engineOptions(d, 15, `service="s${i}"`);
      expect(o.warmup).toBeGreaterThanOrEqual(60);
      expect(o.warmup).toBeLessThanOrEqual(120);
      const phase = (o.warmup as number) % (o.refitEvery as number);
      phases.set(phase, (phases.get(phase) ?? 0) + 1);
    }
    expect(phases.size).toBe(60);
    // Without spreading all 6000 would refit in one cycle; now no cycle carries more than ~2x its share.
    expect(Math.max(...phases.values())).toBeLessThan((6000 / 60) * 2);
    expect(engineOptions(d, 15, 'a')).toEqual(engineOptions(d, 15, 'a'));
  });
});
