import { TrailingRobustZ, Z_CLIP } from './trailing-robust-z';

/** Feeds `history` then judges `v`: the z of `v` for metric 0. */
function zOf(
  history: number[],
  v: number,
  floor: ConstructorParameters<typeof TrailingRobustZ>[2] = {},
): number {
  const s = new TrailingRobustZ(1, 50, floor);
  for (const h of history) s.update([h]);
  return s.update([v])[0];
}

describe('TrailingRobustZ floors', () => {
  const flat = Array.from({ length: 40 }, (_, i) => (i % 10 === 3 ? 44.4 : 38.9));
  const atZero = Array.from({ length: 40 }, () => 0);
  const noisy = Array.from({ length: 40 }, (_, i) => 100 + 10 * Math.sin(i));

  it('without a floor, any change on a flat window is clipped at the maximum', () => {
    expect(zOf(flat, 41.7)).toBe(Z_CLIP);
    expect(zOf(atZero, 0.0025)).toBe(Z_CLIP);
  });

  it('a relative floor makes a share of the level one deviation; it does nothing at a median of 0', () => {
    expect(zOf(flat, 38.9 * 1.1, { relative: 0.1 })).toBeCloseTo(1, 5);
    expect(zOf(atZero, 0.0025, { relative: 0.1 })).toBe(Z_CLIP);
  });

  it('an absolute floor does it in the unit of the metric, and a window spread wider than a floor keeps its z', () => {
    expect(zOf(atZero, 0.0025, { absolute: [0.01] })).toBeCloseTo(0.25, 5);
    expect(zOf(noisy, 130, { relative: 0.01, absolute: [0.5] })).toBeCloseTo(zOf(noisy, 130), 10);
  });
});
