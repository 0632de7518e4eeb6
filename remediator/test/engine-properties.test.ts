import fc from 'fast-check';
import pino from 'pino';
import type { ApiCall, Target } from '@homeostat/contracts';
import type { ActRequest, Actuator, Plan } from '../src/actuators/actuator';
import type { AlertReader } from '../src/engine/alert-reader';
import { Engine } from '../src/engine/engine';
import { createMetrics } from '../src/metrics';
import type { TargetSnapshot } from '../src/policy/decide';
import { compilePolicy } from '../src/policy/load-policy';
import { AuditSqlite, type IncomingAlert } from '../src/sinks/audit-sqlite';
import { ClaimSqlite } from '../src/store/claim-sqlite';
import { IncidentWaits } from '../src/store/incident-waits';
import { ManualClock } from './support/manual-clock';

/**
 * The engine's safety invariants over random interleavings of alerts, repeats, resolves, restarts,
 * kill-switch flips, approvals and failing undos; real SQLite (in memory), a manual clock (no
 * sleeps), an actuator that keeps each target's replicas as a set of ids and an alert source that
 * says what the model says.
 */

const SERVICES = ['orders', 'payments'] as const;
const FEATURES = ['cpu', 'latency'] as const;
const policy = compilePolicy({
  defaults: {
    cooldownSeconds: 30,
    budget: { maxActions: 20, windowSeconds: 3600 },
    verify: { timeoutSeconds: 60, stableSeconds: 0, intervalSeconds: 5, scoreQuery: '' },
    replicas: { min: 1, max: 4 },
  },
  rules: [
    {
      name: 'cpu',
      match: { alertname: 'HomeostatAnomaly', top_feature: 'cpu' },
      target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
      allow: [...SERVICES],
      ladder: [{ action: 'scale_out' }, { action: 'restart' }],
    },
    {
      name: 'latency',
      match: { alertname: 'HomeostatAnomaly', top_feature: 'latency' },
      target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
      allow: [...SERVICES],
      approvalRequired: true,
      ladder: [{ action: 'restart' }, { action: 'scale_out' }],
    },
  ],
});

/** Replicas as ids per target; records every breach of an invariant instead of throwing mid-run. */
class ModelActuator implements Actuator {
  readonly kind = 'process' as const;
  readonly replicas = new Map<string, string[]>(SERVICES.map((s) => [s, [`${s}-0`]]));
  readonly failUndo = new Set<string>();
  readonly breaches: string[] = [];
  private next = 1;
  constructor(private readonly switchOn: () => boolean) {}

  async snapshot(t: Target): Promise<TargetSnapshot> {
    const ids = this.replicas.get(t.name)!;
    return { replicas: ids.length, ids: [...ids] };
  }
  async plan(req: ActRequest): Promise<Plan> {
    const call: ApiCall = { method: 'TEST', path: `${req.target.name}/${req.action}` };
    return {
      apiCall: call,
      run: async () => {
        if (this.switchOn())
          this.breaches.push(`${req.action} on ${req.target.name} with the kill switch engaged`);
        const ids = this.replicas.get(req.target.name)!;
        const spawned: string[] = [];
        if (req.action === 'scale_out')
          while (ids.length + spawned.length < (req.desiredReplicas ?? ids.length + 1))
            spawned.push(`r${this.next++}`);
        ids.push(...spawned);
        return { replicas: ids.length, ids: [...ids], spawned };
      },
    };
  }
  async undo(req: ActRequest, before: TargetSnapshot, after: TargetSnapshot): Promise<ApiCall | null> {
    if (this.switchOn()) this.breaches.push(`undo of ${req.action} with the kill switch engaged`);
    if (this.failUndo.has(req.target.name)) throw new Error('undo refused');
    if (req.action !== 'scale_out') return null;
    const spawned = new Set(after.spawned as string[]);
    const left = this.replicas.get(req.target.name)!.filter((id) => !spawned.has(id));
    this.replicas.set(req.target.name, left);
    if (JSON.stringify(left) !== JSON.stringify(before.ids))
      this.breaches.push(`undo left ${JSON.stringify(left)}, recorded before ${JSON.stringify(before.ids)}`);
    return { method: 'TEST', path: `${req.target.name}/undo` };
  }
}

type Op =
  | { k: 'fire'; svc: number; feature: number; also: number | null; symptom: boolean }
  | { k: 'repeat' | 'resolve' | 'recover'; n: number }
  | { k: 'tick'; s: number }
  | { k: 'switch'; on: boolean }
  | { k: 'approve' | 'restart' }
  | { k: 'failUndo'; svc: number; on: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('fire' as const),
      svc: fc.nat(1),
      feature: fc.nat(1),
      // a second alert in the same notification (Alertmanager groups): another instance or feature
      also: fc.option(fc.nat(1), { nil: null }),
      // the detector ranked the other service as the root cause: a symptom, not acted on
      symptom: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constantFrom('repeat' as const, 'resolve' as const, 'recover' as const),
      n: fc.nat(20),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant('tick' as const), s: fc.integer({ min: 1, max: 90 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('switch' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('approve' as const, 'restart' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('failUndo' as const), svc: fc.nat(1), on: fc.boolean() }),
  },
);

const settle = async () => {
  for (let i = 0; i < 40; i++) await new Promise((r) => setImmediate(r));
};

async function runScenario(ops: Op[]): Promise<void> {
  const store = new AuditSqlite(':memory:');
  const clock = new ManualClock();
  const metrics = createMetrics();
  const firing = new Set<string>();
  const sent: IncomingAlert[] = [];
  let engine: Engine;
  const act = new ModelActuator(() => engine.killSwitchEngaged());
  const alerts: AlertReader = {
    firing: async (a) => firing.has(a.fingerprint),
    score: async () => null,
  };
  const make = () => {
    const e = new Engine({
      store,
      claims: new ClaimSqlite(store),
      waits: new IncidentWaits(store),
      clock,
      policy,
      actuators: { process: act },
      metrics,
      log: pino({ level: 'silent' }),
      alerts,
      silence: null,
      isLeader: () => true,
      concurrency: 4,
      batchMs: 0,
    });
    e.recover();
    return e;
  };
  engine = make();
  const inFlightPerTarget = () =>
    store.db
      .prepare(
        `SELECT target_key AS k, COUNT(*) AS n FROM actions WHERE phase = 'started'
           OR (result = 'succeeded' AND verification = 'pending') GROUP BY target_key HAVING n > 1`,
      )
      .all();
  const deliver = (a: IncomingAlert | IncomingAlert[]) => {
    const alerts = Array.isArray(a) ? a : [a];
    const { jobs } = store.acceptBatch([{ source: 'alertmanager', alerts }], clock.now());
    engine.enqueue(jobs);
  };
  const approveAll = () => {
    const pending = store.actions(0, clock.now() + 1).filter((a) => a.result === 'pending_approval');
    for (const a of pending) {
      try {
        engine.approve(a.id, 'property test');
      } catch {
        // kill switch engaged, incident busy or already approved: refused cleanly, retried later
      }
    }
  };
  try {
    for (const o of ops) {
      switch (o.k) {
        case 'fire': {
          const batch = [o.feature, ...(o.also === null ? [] : [o.also])].map((feature) => {
            const n = sent.length;
            const a: IncomingAlert = {
              fingerprint: `fp${n}`,
              status: 'firing',
              startsAt: clock.now(),
              startsAtRaw: new Date(clock.now()).toISOString() + n,
              labels: { alertname: 'HomeostatAnomaly', service: SERVICES[o.svc]!, instance: `i${n}` },
              annotations: {
                top_feature: FEATURES[feature]!,
                ...(o.symptom ? { root_cause: SERVICES[1 - o.svc]! } : {}),
              },
            };
            sent.push(a);
            firing.add(a.fingerprint);
            return a;
          });
          deliver(batch);
          break;
        }
        case 'repeat':
          if (sent.length) deliver(sent[o.n % sent.length]!);
          break;
        case 'resolve':
          if (sent.length) {
            const a = sent[o.n % sent.length]!;
            firing.delete(a.fingerprint);
            deliver({ ...a, status: 'resolved' });
          }
          break;
        case 'recover': // the action worked: the alert stops firing, no webhook yet
          if (sent.length) firing.delete(sent[o.n % sent.length]!.fingerprint);
          break;
        case 'tick':
          clock.advance(o.s * 1000);
          break;
        case 'switch':
          engine.setKillSwitch(o.on, 'property test');
          break;
        case 'approve':
          approveAll();
          break;
        case 'restart':
          await engine.stop();
          engine = make();
          break;
        case 'failUndo':
          if (o.on) act.failUndo.add(SERVICES[o.svc]!);
          else act.failUndo.delete(SERVICES[o.svc]!);
          break;
      }
      await settle();
      expect(inFlightPerTarget()).toEqual([]);
      expect(act.breaches).toEqual([]);
    }
    // Every incident ends: humans release the switch, approve, and every alert stops firing (a
    // symptom's incident, never acted on, ends with its alert's resolved notification).
    engine.setKillSwitch(false, 'property test');
    firing.clear();
    for (const a of sent) if (a.annotations.root_cause) deliver({ ...a, status: 'resolved' });
    const open = () =>
      store
        .incidents(0, clock.now() + 1)
        .filter((i) => !['healed', 'resolved', 'escalated', 'failed'].includes(i.status));
    for (let i = 0; i < 200 && open().length > 0; i++) {
      approveAll();
      clock.advance(10_000);
      await settle();
      expect(inFlightPerTarget()).toEqual([]);
    }
    expect(
      open().map((i) => ({
        status: i.status,
        actions: i.actions.map((a) => `${a.action}:${a.result}:${a.reason}`),
      })),
    ).toEqual([]);
    expect(act.breaches).toEqual([]);
  } finally {
    await engine.stop();
    store.close();
  }
}

// About a second on an idle machine; generous for a loaded CI box (parallel suites, other agents).
jest.setTimeout(60_000);

describe('engine: safety invariants over random interleavings (property-based)', () => {
  it('never two in-flight actions on one target, never an action after the switch, every incident ends, every undo restores the recorded state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => runScenario(ops)),
      {
        numRuns: 100,
        // Found by a CI run (seed 1922111664): two alerts of one service in one notification, the
        // acting one resolved while its scale-out verified, a restart; recover() skipped the
        // verification (the resolved job was queued) and the other incident scaled out beside it.
        examples: [
          [
            [
              { k: 'fire', svc: 0, feature: 0, also: 0, symptom: false },
              { k: 'resolve', n: 0 },
              { k: 'restart' },
              { k: 'tick', s: 30 },
              { k: 'switch', on: false },
            ],
          ],
        ],
      },
    );
  });
});
