import { ScoringPipeline } from '../engine/scoring-pipeline';
import type { DetectorConfig } from './config';
import { parseConfig } from './config';
import type { ScoringModel } from './entity-registry';
import type { PointLike } from './event-tracker';
import { MissingFill } from './missing-features';
import { engineModels } from './model-factory';

/** Records what reaches the model. */
function recorder(): ScoringModel & { rows: (number | null)[][] } {
  const rows: (number | null)[][] = [];
  return {
    rows,
    push(t: number, v: ArrayLike<number | null>): PointLike {
      rows.push(Array.from(v));
      return { timestamp: t, score: null, anomaly: false, contributions: [] };
    },
    warm: false,
    fittedAt: null,
    toJSON: () => ({ rows: rows.length }),
  };
}

describe('MissingFill', () => {
  it.each([
    [
      'zero',
      [
        [1, 0],
        [2, 5],
        [3, 0],
      ],
    ],
    [
      'last',
      [
        [1, null],
        [2, 5],
        [3, 5],
      ],
    ],
    [
      'skip',
      [
        [1, null],
        [2, 5],
        [3, null],
      ],
    ],
  ] as const)('%s fills a missing value of the feature and leaves the others alone', (policy, expected) => {
    const r = recorder();
    const m = MissingFill.wrap(['a', 'b'], policy === 'skip' ? {} : { b: policy }, r);
    m.push(1, [1, null]);
    m.push(2, [2, 5]);
    m.push(3, [3, Number.NaN]);
    expect(r.rows).toEqual(expected);
  });

  it('keeps the carried value in its state, so a restored model fills the same way', () => {
    const r = recorder();
    const m = MissingFill.wrap(['a', 'b'], { b: 'last' }, r);
    m.push(1, [1, 7]);
    const state = m.toJSON();
    expect(MissingFill.isState(JSON.parse(JSON.stringify(state)))).toBe(true);
    const r2 = recorder();
    MissingFill.fromState(state, r2).push(2, [2, null]);
    expect(r2.rows).toEqual([[2, 7]]);
  });

  it('engineModels wraps only a detector that declares a policy, and restores both kinds', () => {
    const [plain, filled] = parseConfig({
      prometheus: { url: 'http://127.0.0.1:9090' },
      detectors: [
        { name: 'p', queries: { a: 'up' } },
        { name: 'f', queries: { a: 'up' }, missing: { a: 'zero' } },
      ],
    }).detectors as [DetectorConfig, DetectorConfig];
    const a = engineModels.create(plain, 15, 'k');
    const b = engineModels.create(filled, 15, 'k');
    expect(a).toBeInstanceOf(ScoringPipeline);
    expect(b).toBeInstanceOf(MissingFill);
    expect(engineModels.restore(plain, JSON.parse(JSON.stringify(a.toJSON())))).toBeInstanceOf(
      ScoringPipeline,
    );
    expect(engineModels.restore(filled, JSON.parse(JSON.stringify(b.toJSON())))).toBeInstanceOf(MissingFill);
  });
});
