import fc from 'fast-check';
import type { KubernetesActuator } from '../src/actuators/kubernetes';
import { actuatorFor, request, withFakeKube } from './support/kube-harness';

jest.setTimeout(60_000);

const HOLD_S = 600;
const POLICY_MAX = 5;

/** What the engine does for one scale_out: snapshot, decide's clamp, act, and undo if verification failed. */
async function scaleOut(act: KubernetesActuator, incidentId: string, healed: boolean): Promise<void> {
  const before = await act.snapshot(request('scale_out').target);
  const replicas = Number(before.replicas);
  if (replicas >= POLICY_MAX) return; // decide(): at_max_replicas
  const req = request('scale_out', { desiredReplicas: Math.min(replicas + 1, POLICY_MAX), incidentId });
  let after;
  try {
    after = await (await act.plan(req, before)).run();
  } catch {
    return; // refused (floor already at the HPA max): recorded as failed, nothing changed
  }
  if (!healed) await act.undo(req, before, after);
}

describe('scaling under an HPA: the floor is raised for the incident and always given back', () => {
  let mayAct = true; // leadership and the kill switch, as the remediator wires them
  const k = withFakeKube({ floorHoldSeconds: HOLD_S, mayAct: () => mayAct });
  beforeEach(() => {
    k.kube.addHpa(2, 6);
  });

  it('raises minReplicas with a compare-and-swap JSON patch that records the original bounds on the HPA', async () => {
    const before = await k.act.snapshot(request('scale_out').target);
    k.kube.calls = [];
    await (await k.act.plan(request('scale_out', { desiredReplicas: 4 }), before)).run();
    const patch = k.kube.writes().at(-1)!;
    expect(patch).toMatchObject({
      method: 'PATCH',
      path: '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/orders-hpa?fieldManager=homeostat-remediator',
      contentType: 'application/json-patch+json',
    });
    expect(patch.body).toEqual(
      expect.arrayContaining([
        { op: 'test', path: '/spec/minReplicas', value: 2 },
        { op: 'test', path: '/spec/maxReplicas', value: 6 },
        { op: 'replace', path: '/spec/minReplicas', value: 4 },
      ]),
    );
    expect(k.kube.hpa().minReplicas).toBe(4);
    expect(k.kube.replicas).toBe(4); // the HPA controller followed its new floor
    expect(JSON.parse(k.kube.hpa().annotations['homeostat.io/hpa-floor']!)).toMatchObject({
      originalMin: 2,
      originalMax: 6,
      raisedTo: 4,
      incidentId: 'i1',
    });
  });

  it('gives the floor back once the hold ends after a healed incident (the HPA can scale down again)', async () => {
    k.kube.hpaWants = 2;
    await scaleOut(k.act, 'i1', true);
    expect(k.kube.hpa().minReplicas).toBe(3);
    await k.act.sweep();
    expect(k.kube.hpa().minReplicas).toBe(3); // still held
    k.kube.tick(HOLD_S * 1000);
    mayAct = false; // a follower, or the kill switch engaged: past the hold, still nothing is changed
    await k.act.sweep();
    expect(k.kube.hpa().minReplicas).toBe(3);
    mayAct = true;
    await k.act.sweep();
    expect(k.kube.hpa()).toEqual({ minReplicas: 2, maxReplicas: 6, annotations: {} });
    expect(k.kube.replicas).toBe(2);
  });

  it('gives it back after a remediator restart: a new actuator reconciles the floors past their hold', async () => {
    await scaleOut(k.act, 'i1', true);
    await k.act.close();
    k.kube.tick(HOLD_S * 1000);
    k.act = actuatorFor(k.kube, { floorHoldSeconds: HOLD_S });
    await k.act.validate({
      killSwitch: false,
      silenceWhileHealing: false,
      rules: [
        {
          name: 'cpu',
          match: { alertname: 'x' },
          matchRe: {},
          target: { actuator: 'kubernetes', kind: 'deployment', name: 'orders', namespace: 'shop' },
          allow: ['orders'],
          ladder: [{ action: 'scale_out', params: { by: 1 } }],
          cooldownSeconds: 0,
          maxAttempts: 3,
          budget: { maxActions: 10, windowSeconds: 60 },
          blastRadius: { maxTargets: 1, maxPercent: 50 },
          replicas: { min: 1, max: POLICY_MAX },
          dryRun: false,
          approvalRequired: false,
          verify: {
            timeoutSeconds: 1,
            stableSeconds: 0,
            intervalSeconds: 1,
            requireResolved: false,
            scoreQuery: '',
            scoreMaxAgeSeconds: 120,
          } as never,
        },
      ],
    });
    await k.act.reconcile();
    expect(k.kube.hpa()).toEqual({ minReplicas: 2, maxReplicas: 6, annotations: {} });
  });

  it("a second raise keeps the first one's originals; undo by another incident leaves the floor alone", async () => {
    await scaleOut(k.act, 'i1', true);
    await scaleOut(k.act, 'i2', true);
    expect(k.kube.hpa().minReplicas).toBe(4);
    expect(JSON.parse(k.kube.hpa().annotations['homeostat.io/hpa-floor']!)).toMatchObject({
      originalMin: 2,
      incidentId: 'i2',
    });
    const before = await k.act.snapshot(request('scale_out').target);
    const req = request('scale_out', { desiredReplicas: 5, incidentId: 'i3' });
    const after = await (await k.act.plan(req, before)).run();
    expect(await k.act.undo({ ...req, incidentId: 'i1' }, before, after)).toBeNull(); // not i1's floor any more
    expect(k.kube.hpa().minReplicas).toBe(5);
    await k.act.undo(req, before, after);
    expect(k.kube.hpa()).toEqual({ minReplicas: 2, maxReplicas: 6, annotations: {} });
  });

  it('never raises the floor above the HPA max; at the max it refuses instead', async () => {
    k.kube.editHpa((s) => (s.maxReplicas = 3));
    const before = await k.act.snapshot(request('scale_out').target);
    await (await k.act.plan(request('scale_out', { desiredReplicas: 5 }), before)).run();
    expect(k.kube.hpa().minReplicas).toBe(3);
    const again = await k.act.snapshot(request('scale_out').target);
    await expect(k.act.plan(request('scale_out', { desiredReplicas: 5 }), again)).rejects.toMatchObject({
      code: 'ACTION_UNSUPPORTED',
    });
  });

  it('scale_in never raises the floor: with no floor of ours it refuses, with one it gives it back', async () => {
    k.kube.hpaWants = 4;
    k.kube.editHpa((s) => (s.minReplicas = 1));
    expect(k.kube.replicas).toBe(4);
    const before = await k.act.snapshot(request('scale_in').target);
    k.kube.calls = [];
    await expect(k.act.plan(request('scale_in', { desiredReplicas: 3 }), before)).rejects.toMatchObject({
      code: 'ACTION_UNSUPPORTED',
    });
    expect(k.kube.writes()).toEqual([]);
    expect(k.kube.hpa().minReplicas).toBe(1);
    await scaleOut(k.act, 'i1', true);
    expect(k.kube.hpa().minReplicas).toBe(5);
    const held = await k.act.snapshot(request('scale_in').target);
    const after = await (
      await k.act.plan(request('scale_in', { desiredReplicas: 4, incidentId: 'i2' }), held)
    ).run();
    expect(k.kube.hpa()).toEqual({ minReplicas: 1, maxReplicas: 6, annotations: {} });
    expect(await k.act.undo(request('scale_in', { incidentId: 'i2' }), held, after)).toBeNull();
    expect(k.kube.hpa().minReplicas).toBe(1);
  });

  it('a human who changed minReplicas during the hold keeps their value; only our record goes', async () => {
    await scaleOut(k.act, 'i1', true);
    k.kube.editHpa((s) => (s.minReplicas = 5));
    k.kube.tick(HOLD_S * 1000);
    await k.act.sweep();
    expect(k.kube.hpa()).toEqual({ minReplicas: 5, maxReplicas: 6, annotations: {} });
  });

  it('after any sequence of healed and failed incidents, restarts and holds, the HPA ends at its original bounds', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('incident' as const), healed: fc.boolean() }),
      fc.record({ kind: fc.constant('scale_in' as const) }),
      fc.record({ kind: fc.constant('restart' as const) }),
      fc.record({ kind: fc.constant('time' as const), s: fc.integer({ min: 1, max: HOLD_S * 2 }) }),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 4, max: 7 }),
        async (steps, min, max) => {
          k.kube.hpaWants = 1; // quiet load: replicas follow the floor, so every raise is visible
          k.kube.editHpa((s) => Object.assign(s, { minReplicas: min, maxReplicas: max }));
          await k.act.close();
          k.act = actuatorFor(k.kube, { floorHoldSeconds: HOLD_S });
          for (const s of steps) {
            if (s.kind === 'incident') await scaleOut(k.act, `p${++n}`, s.healed);
            else if (s.kind === 'scale_in') {
              const before = await k.act.snapshot(request('scale_in').target);
              await k.act
                .plan(request('scale_in', { desiredReplicas: 1, incidentId: `p${++n}` }), before)
                .then(
                  (p) => p.run(),
                  () => null,
                );
            } else if (s.kind === 'restart') {
              await k.act.close();
              k.act = actuatorFor(k.kube, { floorHoldSeconds: HOLD_S });
              await k.act.snapshot(request('scale_out').target); // learns the namespace (validate() does so from the policy)
              await k.act.reconcile();
            } else {
              k.kube.tick(s.s * 1000);
              await k.act.sweep();
            }
            const h = k.kube.hpa();
            expect(h.minReplicas).toBeLessThanOrEqual(Math.max(min, Math.min(POLICY_MAX, max)));
            expect(h.maxReplicas).toBe(max);
          }
          k.kube.tick(HOLD_S * 1000);
          await k.act.sweep();
          expect(k.kube.hpa()).toEqual({ minReplicas: min, maxReplicas: max, annotations: {} });
        },
      ),
      { numRuns: 30 },
    );
  });
});
