import { parseConfig } from './config';
import { engineModels, engineOptions } from './model-factory';

const detector = (extra: Record<string, unknown> = {}) =>
  parseConfig({
    prometheus: { url: 'http://127.0.0.1:9090' },
    detectors: [{ name: 'd', queries: { cpu: 'x', mem: 'y' }, ...extra }],
  }).detectors[0];

describe('engineOptions', () => {
  it('turns seconds into point counts at the step and sensitivity into contamination', () => {
    const o = engineOptions(
      detector({ sensitivity: 2, trainingWindowSeconds: 3600, refitIntervalSeconds: 900 }),
      15,
    );
    expect(o.forest).toMatchObject({
      trainingWindow: 240,
      refitEvery: 60,
      contamination: 0.02,
      trees: 100,
      // at most half the training window
      warmup: 120,
      zWindow: 120,
    });
    // The same detector replayed at a coarser step keeps the same time span.
    expect(engineOptions(detector({ trainingWindowSeconds: 3600 }), 60).forest?.trainingWindow).toBe(60);
  });

  it('passes the pipeline settings of the config through, in points', () => {
    const o = engineOptions(
      detector({
        pipeline: {
          alarm: { holdPoints: 7 },
          seasonal: { periodSeconds: 0 },
          likelihood: { minPoints: 50 },
          rangeRule: { minExcess: { mem: 1 } },
        },
      }),
      15,
    );
    expect(o.alarm).toEqual({ level: 0.5, holdPoints: 7 });
    expect(o.seasonal?.periodMs).toBe(0);
    expect(o.likelihood?.minSamples).toBe(50);
    expect(o.range?.minExcess).toEqual({ mem: 1 });
  });

  it('gives every entity the same model for the same input, whatever its key', () => {
    const d = detector({
      trainingWindowSeconds: 600,
      pipeline: { warmupPoints: 10, likelihood: { minPoints: 10 } },
    });
    const a = engineModels.create(d, 15, 'service="a"');
    const b = engineModels.create(d, 15, 'service="b"');
    for (let i = 0; i < 120; i++) {
      const row = [Math.sin(i / 5) + (i === 100 ? 9 : 0), (i % 7) / 7];
      expect(a.push(i * 15_000, row)).toEqual(b.push(i * 15_000, row));
    }
  });
});
