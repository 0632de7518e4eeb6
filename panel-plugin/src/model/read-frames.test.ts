import { T0, timelineFrame } from '../test-frames';
import { readFrames } from './read-frames';

/** The detail of a give-back as the remediator writes it (contracts ScaleBack). */
const back = {
  actuator: 'process',
  target: { actuator: 'process', kind: 'process-group', name: 'orders' },
  replica: '9101',
  incidentId: 'inc-1',
  heldSeconds: 600,
  replicas: { before: 2, after: 1 },
};

describe('readFrames: the healing lane', () => {
  it('reads a scale_back row as a give-back of its own, after the scale-out that added the capacity', () => {
    const { lane } = readFrames([
      timelineFrame([
        [T0 + 600_000, 'scale_back', 'succeeded', back],
        [T0, 'action', 'succeeded', { reason: 'rule load, step 0' }],
      ]),
    ]);
    expect(lane.map((e) => e.kind)).toEqual(['action', 'scale_back']);
    expect(lane[0].scaleBack).toBeUndefined();
    expect(lane[1]).toMatchObject({ time: T0 + 600_000, incidentId: 'inc-1', service: 'orders', scaleBack: back });
  });

  it.each([
    ['without a replica count (docker)', { ...back, replicas: undefined }, { ...back, replicas: undefined }],
    ['whose detail is not a give-back: still drawn, with its raw detail', { replica: 9101 }, undefined],
  ])('reads a scale_back %s', (_, detail, expected) => {
    const [e] = readFrames([timelineFrame([[T0, 'scale_back', 'succeeded', detail]])]).lane;
    expect(e.kind).toBe('scale_back');
    expect(e.scaleBack).toEqual(expected);
  });
});
