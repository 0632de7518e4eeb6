import fc from 'fast-check';
import { medianOfSorted, RollingWindow } from './rolling-stats';

/** The definition: sort the window, take the median, sort the absolute deviations, take theirs. */
function reference(values: number[]): { median: number; mad: number; meanAbsDev: number } {
  const s = Float64Array.from(values).sort();
  const median = medianOfSorted(s);
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    s[i] = Math.abs(s[i] - median);
    sum += s[i];
  }
  s.sort();
  return { median, mad: medianOfSorted(s), meanAbsDev: sum / s.length };
}

describe('RollingWindow.medianMad (incremental sorted window)', () => {
  it('is bit-identical to sorting the window at every push, ties and flat stretches included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(
          fc.oneof(
            fc.constantFrom(0, -0),
            fc.integer({ min: -3, max: 3 }),
            fc.double({ min: -1e6, max: 1e6, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 200,
          },
        ),
        (capacity, values) => {
          const w = new RollingWindow(capacity);
          for (let i = 0; i < values.length; i++) {
            w.push(values[i]);
            // Ask only now and then: the sorted copy must also be right when built late.
            if (i % 3 === 0 || i === values.length - 1) {
              expect(w.medianMad()).toEqual(reference(values.slice(Math.max(0, i + 1 - capacity), i + 1)));
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('gives NaN for an empty window', () => {
    expect(new RollingWindow(4).medianMad()).toEqual({ median: NaN, mad: NaN, meanAbsDev: NaN });
  });
});
