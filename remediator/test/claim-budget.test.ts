import { join } from 'node:path';
import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { makeTempDir, startPostgres, type PostgresDaemon } from '@homeostat/testkit';
import { decide } from '../src/policy/decide';
import { compilePolicy } from '../src/policy/load-policy';
import { targetKey } from '../src/policy/match';
import { AuditSqlite } from '../src/sinks/audit-sqlite';
import { ClaimPostgres } from '../src/store/claim-postgres';
import { ClaimSqlite } from '../src/store/claim-sqlite';
import type { Claim, ClaimStore } from '../src/store/claim-store';
import { PostgresDatabase } from '../src/store/postgres-database';

jest.setTimeout(120_000);

/** One replica's view of the state: its store and its claims on it. */
interface Replica {
  store: AuditSqlite;
  claims: ClaimStore;
}

const NOW = 1_800_000_000_000;

/** A rule and targets of their own per run, so runs on one database share no budget or claim. */
const policyFor = (run: number, maxActions: number, targets: number) =>
  compilePolicy({
    rules: [
      {
        name: `budget-${run}`,
        match: { alertname: 'HomeostatAnomaly' },
        target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
        allow: [`run${run}-*`],
        cooldownSeconds: 0,
        budget: { maxActions, windowSeconds: 3600 },
        blastRadius: { maxTargets: targets, maxPercent: 100 },
        ladder: [{ action: 'restart' }],
      },
    ],
  });

/** What one incident does: claim its service's target, then maybe start the action and end it. */
const Op = fc.record({
  replica: fc.nat(1),
  service: fc.nat(5),
  /** 0: the claim stays held, not started; 1: started, still running; 2: started and released. */
  progress: fc.nat(2),
});

/**
 * Replays the ops as the engine would (decide with the guard state read in the claim's transaction,
 * claim, later start the action and attach it, release at the end of verification) and returns the
 * largest number of budget units in use at any moment: started actions plus claims that will start.
 */
function replay(
  replicas: Replica[],
  run: number,
  maxActions: number,
  ops: { replica: number; service: number; progress: number }[],
): number {
  const policy = policyFor(run, maxActions, 6);
  const rule = policy.rules[0]!;
  let started = 0;
  const held: Claim[] = [];
  let worst = 0;
  ops.forEach((op, i) => {
    const r = replicas[op.replica % replicas.length]!;
    const incidentId = `run${run}-inc${i}`;
    const labels = { alertname: 'HomeostatAnomaly', service: `run${run}-svc-${op.service}` };
    const out = r.claims.decideAndClaim(incidentId, NOW + i, (guard) => {
      const d = decide({
        policy,
        alert: { status: 'firing', labels },
        step: 0,
        now: NOW + i,
        killSwitch: false,
        isLeader: true,
        state: (ru, t) => guard(ru, t),
      });
      return { result: d, claim: d.kind === 'act' ? { target: d.target, rule: d.rule, incidentId } : null };
    });
    if (!out.claim || out.result.kind !== 'act') return;
    if (op.progress === 0) held.push(out.claim);
    else {
      const id = r.store.startAction(
        {
          incidentId,
          action: 'restart',
          step: 0,
          rule: rule.name,
          reason: out.result.reason,
          target: out.result.target,
          targetKey: targetKey(out.result.target),
          apiCall: null,
          before: {},
          result: 'succeeded',
          verification: 'pending',
          phase: 'started',
          service: labels.service,
        },
        NOW + i,
        null,
      );
      r.claims.attach(out.claim.id, id);
      started++;
      if (op.progress === 2) r.claims.release(out.claim.id);
    }
    worst = Math.max(worst, started + held.length);
  });
  return worst;
}

const stores: [string, () => Promise<{ replicas: Replica[]; close: () => Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const store = new AuditSqlite(join(makeTempDir('claim-budget'), 'audit.db'));
      const one = { store, claims: new ClaimSqlite(store) };
      return { replicas: [one], close: async () => store.close() };
    },
  ],
  [
    'PostgreSQL (two replicas)',
    async () => {
      const pg: PostgresDaemon = await startPostgres();
      const replicas = [0, 1].map(() => {
        const store = new AuditSqlite(
          PostgresDatabase.connect(pg.connectionUrl) as unknown as Database.Database,
        );
        return { store, claims: new ClaimPostgres(store) };
      });
      return {
        replicas,
        close: async () => {
          for (const r of replicas) r.store.close();
          await pg.stop({ removeDir: true });
        },
      };
    },
  ],
];

describe.each(stores)('budget with claims held but not started (%s)', (_name, open) => {
  let ctx: { replicas: Replica[]; close: () => Promise<void> };
  beforeAll(async () => {
    ctx = await open();
  });
  afterAll(() => ctx?.close());

  it('two incidents claiming before either starts spend one budget unit each: the second is refused', () => {
    const [a, b] = [ctx.replicas[0]!, ctx.replicas.at(-1)!];
    const worst = replay([a, b], 0, 1, [
      { replica: 0, service: 0, progress: 0 },
      { replica: 1, service: 1, progress: 0 },
    ]);
    expect(worst).toBe(1);
    const held = b.store.db.prepare("SELECT target_key FROM claims WHERE rule = 'budget-0'").all();
    expect(held).toHaveLength(1);
  });

  it('never more budget units in use than the rule allows, whatever the interleaving', () => {
    let run = 1;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(Op, { minLength: 2, maxLength: 10 }),
        (max, ops) => {
          expect(replay(ctx.replicas, run++, max, ops)).toBeLessThanOrEqual(max);
        },
      ),
      { numRuns: 60 },
    );
  });
});
