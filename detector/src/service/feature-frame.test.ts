import { alignFeatures, entityKey } from './feature-frame';

describe('alignFeatures', () => {
  it('joins one query per feature into rows per entity, with nulls for gaps and NaN', () => {
    const { entities, duplicates } = alignFeatures(
      ['cpu', 'mem'],
      ['service'],
      [
        [
          { labels: { service: 'a' }, timestamps: [1000, 2000, 3000], values: [1, NaN, 3] },
          { labels: { service: 'b' }, timestamps: [1000], values: [9] },
          { labels: { service: 'a', pod: 'x' }, timestamps: [1000], values: [100] },
        ],
        [{ labels: { service: 'a' }, timestamps: [2000, 3000], values: [20, Infinity] }],
      ],
    );
    expect(duplicates).toBe(1);
    const a = entities.get(entityKey(['service'], { service: 'a' }));
    expect(a?.key).toBe('service="a"');
    expect(a?.timestamps).toEqual([1000, 2000, 3000]);
    expect(a?.rows).toEqual([
      [1, null],
      [null, 20],
      [3, null],
    ]);
    expect(entities.get('service="b"')?.rows).toEqual([[9, null]]);
  });

  it('keeps only entities matching `match`', () => {
    const { entities } = alignFeatures(
      ['v'],
      ['service'],
      [
        [
          { labels: { service: 'a' }, timestamps: [1], values: [1] },
          { labels: { service: 'b' }, timestamps: [1], values: [1] },
        ],
      ],
      { service: 'b' },
    );
    expect([...entities.keys()]).toEqual(['service="b"']);
  });
});
