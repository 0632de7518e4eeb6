import fc from 'fast-check';
import { compilePolicy } from './load-policy';
import { decide, type DecideInput, type RuleState } from './decide';

const policy = (over: Record<string, unknown> = {}, top: Record<string, unknown> = {}) =>
  compilePolicy({
    ...top,
    rules: [
      {
        name: 'cpu',
        match: { alertname: 'HomeostatAnomaly', top_feature: 'cpu' },
        target: {
          actuator: 'kubernetes',
          kind: 'deployment',
          name: '{{service}}',
          namespace: '{{namespace}}',
        },
        allow: ['orders', 'pay*'],
        ladder: [{ action: 'scale_out', params: { by: 2 } }, { action: 'restart' }, { action: 'isolate' }],
        replicas: { min: 1, max: 6 },
        cooldownSeconds: 60,
        budget: { maxActions: 3, windowSeconds: 600 },
        ...over,
      },
    ],
  });
const labels = { alertname: 'HomeostatAnomaly', top_feature: 'cpu', service: 'orders', namespace: 'shop' };
const fresh: RuleState = { lastActionAt: null, actionTimes: [], attempts: 0, inFlight: 0, heldBy: null };
const input = (over: Partial<DecideInput> = {}): DecideInput => ({
  policy: policy(),
  alert: { status: 'firing', labels },
  step: 0,
  now: 1_000_000,
  killSwitch: false,
  isLeader: true,
  state: () => fresh,
  snapshot: { replicas: 2 },
  ...over,
});

describe('decide', () => {
  it('acts on the first ladder step with the clamped replica count and a reason', () => {
    const d = decide(input());
    expect(d).toMatchObject({
      kind: 'act',
      action: 'scale_out',
      desiredReplicas: 4,
      target: { name: 'orders', namespace: 'shop' },
    });
    expect(d.reason).toMatch(/replicas 2 -> 4/);
  });

  it('skips a downstream symptom: the root_cause annotation names another entity (unless the rule acts on symptoms)', () => {
    const at = (annotations: Record<string, string>, over: Record<string, unknown> = {}) =>
      decide(input({ policy: policy(over), alert: { status: 'firing', labels, annotations } }));
    expect(at({ root_cause: 'inventory' })).toMatchObject({
      kind: 'skip',
      code: 'symptom',
      rule: 'cpu',
      target: { name: 'orders' },
      reason: expect.stringMatching(/downstream symptom of inventory/),
    });
    // The cause's own alert, no verdict (empty: no ranked incident), or a rule that acts on symptoms.
    expect(at({ root_cause: 'orders' })).toMatchObject({ kind: 'act', action: 'scale_out' });
    expect(at({ root_cause: '' })).toMatchObject({ kind: 'act' });
    expect(at({})).toMatchObject({ kind: 'act' });
    expect(at({ root_cause: 'inventory' }, { actOnSymptoms: true })).toMatchObject({ kind: 'act' });
    // The detector's name or the alert name never count as the entity.
    expect(
      decide(
        input({
          alert: {
            status: 'firing',
            labels: { ...labels, detector: 'inventory' },
            annotations: { root_cause: 'inventory' },
          },
        }),
      ),
    ).toMatchObject({ code: 'symptom' });
    // A symptom outside the allow-list is reported as what it is: where the fault is comes first.
    expect(
      decide(
        input({
          alert: {
            status: 'firing',
            labels: { ...labels, service: 'billing' },
            annotations: { root_cause: 'inventory' },
          },
        }),
      ),
    ).toMatchObject({ code: 'symptom', reason: expect.stringMatching(/downstream symptom of inventory/) });
  });

  it('matches top_feature in the annotations when the alert does not carry it as a label; a label wins', () => {
    const { top_feature: _, ...identity } = labels;
    const at = (annotations: Record<string, string>, l: Record<string, string> = identity) =>
      decide(input({ alert: { status: 'firing', labels: l, annotations } }));
    expect(at({ top_feature: 'cpu', summary: 'x' })).toMatchObject({ kind: 'act', rule: 'cpu' });
    expect(at({ top_feature: 'memory' })).toMatchObject({ kind: 'skip', code: 'no_rule' });
    expect(at({})).toMatchObject({ kind: 'skip', code: 'no_rule' });
    expect(at({ top_feature: 'cpu' }, { ...identity, top_feature: 'memory' })).toMatchObject({
      kind: 'skip',
      code: 'no_rule',
    });
  });

  it.each([
    ['not_firing', { alert: { status: 'resolved' as const, labels } }],
    ['no_rule', { alert: { status: 'firing' as const, labels: { ...labels, top_feature: 'memory' } } }],
    ['kill_switch', { killSwitch: true }],
    ['kill_switch', { policy: policy({}, { killSwitch: true }) }],
    ['target_unresolved', { alert: { status: 'firing' as const, labels: { ...labels, service: '' } } }],
    ['not_allowed', { alert: { status: 'firing' as const, labels: { ...labels, service: 'billing' } } }],
    ['follower', { isLeader: false }],
    ['ladder_exhausted', { step: 3 }],
    ['max_attempts', { state: () => ({ ...fresh, attempts: 3 }) }],
    ['cooldown', { state: () => ({ ...fresh, lastActionAt: 1_000_000 - 59_000 }) }],
    ['budget', { state: () => ({ ...fresh, actionTimes: [990_000, 995_000, 999_000] }) }],
    ['blast_radius', { state: () => ({ ...fresh, inFlight: 1 }) }],
    ['at_max_replicas', { snapshot: { replicas: 6 } }],
    ['replicas_unknown', { snapshot: {} }],
    ['blast_radius', { step: 2, snapshot: { replicas: 1 } }],
  ])('skips with %s', (code, over) => {
    expect(decide(input(over))).toMatchObject({ kind: 'skip', code });
  });

  it('allows again once the cooldown has passed and the budget window slid on', () => {
    const st = {
      ...fresh,
      lastActionAt: 1_000_000 - 60_000,
      actionTimes: [1_000_000 - 600_000, 999_000, 999_500],
    };
    expect(decide(input({ state: () => st })).kind).toBe('act');
  });

  it('marks dry-run and approval-required decisions', () => {
    expect(decide(input({ policy: policy({ dryRun: true, approvalRequired: true }) }))).toMatchObject({
      kind: 'act',
      dryRun: true,
      approvalRequired: true,
    });
  });
});

describe('decide: safety invariants (property-based)', () => {
  const arbState = fc.record({
    lastActionAt: fc.option(fc.integer({ min: 0, max: 2_000_000 }), { nil: null }),
    actionTimes: fc.array(fc.integer({ min: 0, max: 2_000_000 }), { maxLength: 8 }),
    attempts: fc.integer({ min: 0, max: 6 }),
    inFlight: fc.integer({ min: 0, max: 3 }),
    heldBy: fc.option(fc.constant('another-incident'), { nil: null }),
  });
  const arbInput = fc.record({
    status: fc.constantFrom('firing' as const, 'resolved' as const),
    service: fc.constantFrom('orders', 'payments', 'billing', 'pay', 'ord*rs', ''),
    step: fc.integer({ min: 0, max: 4 }),
    now: fc.integer({ min: 0, max: 2_000_000 }),
    killSwitch: fc.boolean(),
    configKill: fc.boolean(),
    isLeader: fc.boolean(),
    replicas: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
    max: fc.integer({ min: 1, max: 8 }),
    by: fc.integer({ min: 1, max: 5 }),
    cooldown: fc.integer({ min: 0, max: 300 }),
    budget: fc.integer({ min: 0, max: 4 }),
    maxPercent: fc.integer({ min: 0, max: 100 }),
    state: arbState,
  });
  const run = (x: typeof arbInput extends fc.Arbitrary<infer T> ? T : never) => {
    const p = policy(
      {
        replicas: { min: 1, max: x.max },
        cooldownSeconds: x.cooldown,
        budget: { maxActions: x.budget, windowSeconds: 600 },
        blastRadius: { maxTargets: 1, maxPercent: x.maxPercent },
        ladder: [
          { action: 'scale_out', params: { by: x.by } },
          { action: 'restart' },
          { action: 'isolate' },
          { action: 'scale_in' },
        ],
      },
      { killSwitch: x.configKill },
    );
    return decide({
      policy: p,
      alert: { status: x.status, labels: { ...labels, service: x.service } },
      step: x.step,
      now: x.now,
      killSwitch: x.killSwitch,
      isLeader: x.isLeader,
      state: () => x.state,
      snapshot: x.replicas === undefined ? {} : { replicas: x.replicas },
    });
  };

  it('never scales up above max replicas nor down below min', () => {
    fc.assert(
      fc.property(arbInput, (x) => {
        const d = run(x);
        if (d.kind === 'act' && d.desiredReplicas !== undefined) {
          // A workload already above max may still be scaled in step by step; it never grows past max.
          if (d.action === 'scale_out') expect(d.desiredReplicas).toBeLessThanOrEqual(x.max);
          if (d.action === 'scale_in') expect(d.desiredReplicas).toBeLessThan(x.replicas ?? 0);
          expect(d.desiredReplicas).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never acts on resolved alerts, outside the allow-list, as a follower, or with a kill switch engaged', () => {
    fc.assert(
      fc.property(arbInput, (x) => {
        const d = run(x);
        if (x.status === 'resolved' || x.killSwitch || x.configKill || !x.isLeader)
          expect(d.kind).toBe('skip');
        if (d.kind === 'act') expect(['orders', 'payments', 'pay']).toContain(d.target.name);
      }),
      { numRuns: 2000 },
    );
  });

  it('respects cooldown, budget and attempts', () => {
    fc.assert(
      fc.property(arbInput, (x) => {
        const d = run(x);
        if (d.kind !== 'act') return;
        if (x.state.lastActionAt !== null)
          expect(x.now - x.state.lastActionAt).toBeGreaterThanOrEqual(x.cooldown * 1000);
        const inWindow = x.state.actionTimes.filter((t) => t > x.now - 600_000 && t <= x.now).length;
        expect(inWindow).toBeLessThan(x.budget);
        expect(x.state.attempts).toBeLessThan(3);
        expect(x.state.inFlight).toBe(0);
        expect(x.state.heldBy).toBeNull(); // one action per target at a time, whichever rule
        if (d.action === 'isolate') expect(100 / (x.replicas ?? 1)).toBeLessThanOrEqual(x.maxPercent);
      }),
      { numRuns: 2000 },
    );
  });
});
