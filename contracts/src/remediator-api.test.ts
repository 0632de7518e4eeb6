import { ScaleBack, TimelineResponse } from './index';

const event = {
  time: 1_700_000_000_000,
  endTime: null,
  status: 'succeeded',
  incidentId: 'inc-1',
  labels: { service: 'orders' },
  title: 'x',
  detail: {},
};

describe('TimelineResponse', () => {
  it('still reads a timeline written before scale_back existed', () => {
    const old = {
      events: [
        { ...event, kind: 'action' },
        { ...event, kind: 'resolved' },
      ],
    };
    expect(TimelineResponse.parse(old)).toEqual(old);
  });

  it('reads a scale_back event; an unknown kind is refused', () => {
    expect(TimelineResponse.parse({ events: [{ ...event, kind: 'scale_back' }] }).events[0]?.kind).toBe(
      'scale_back',
    );
    expect(TimelineResponse.safeParse({ events: [{ ...event, kind: 'scale_sideways' }] }).success).toBe(
      false,
    );
  });
});

describe('ScaleBack', () => {
  const back = {
    actuator: 'docker',
    target: { actuator: 'docker', kind: 'compose-service', name: 'orders', namespace: 'demo' },
    replica: 'demo-orders-clone-1',
    incidentId: null,
    heldSeconds: 600,
  };

  it.each([
    ['without a replica count (docker, or recorded before counts were)', back],
    ['with one', { ...back, replicas: { before: 3, after: 2 } }],
  ])('reads a give-back %s', (_, b) => {
    expect(ScaleBack.parse(b)).toEqual(b);
  });

  it.each([
    ['replicas', { ...back, replicas: { before: 3 } }],
    ['actuator', { ...back, actuator: 'vm' }],
    ['heldSeconds', { ...back, heldSeconds: -1 }],
  ])('refuses a bad %s', (field, b) => {
    const r = ScaleBack.safeParse(b);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path[0]).toBe(field);
  });
});
