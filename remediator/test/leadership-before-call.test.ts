import { join } from 'node:path';
import { makeTempDir, startAlertmanager, startPostgres, waitFor, type Daemon } from '@homeostat/testkit';
import type { ActRequest, Plan } from '../src/actuators/actuator';
import type { TargetSnapshot } from '../src/policy/decide';
import { fireInAlertmanager } from './support/am-alerts';
import { psql } from './support/ha-replicas';
import { driveUntil, ManualClock } from './support/manual-clock';
import { alert, webhook } from './support/payload';
import { RecordingActuator } from './support/recording-actuator';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(90_000);

/** Holds plan(): the window after the last decision and before the call, where leadership may end. */
class HeldPlanActuator extends RecordingActuator {
  private open: (() => void) | null = null;
  planning = false;
  override async plan(req: ActRequest, before: TargetSnapshot): Promise<Plan> {
    this.planning = true;
    await new Promise<void>((r) => (this.open = r));
    return super.plan(req, before);
  }
  go(): void {
    this.open?.();
  }
}

/**
 * Every call that changes the platform, an action or an undo, asks for leadership right before it
 * is made: a replica that lost it in between leaves the step to the leader, which finishes it
 * exactly once (here: a second remediator on the same state, as after a takeover).
 */
describe('leadership is checked right before every action and undo', () => {
  let am: Daemon;
  const open: TestRemediator[] = [];
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    for (const r of open) await r.close().catch(() => undefined);
    await am?.stop({ removeDir: true });
  });

  const start = async (o: {
    act: RecordingActuator;
    dbFile: string;
    /** Injected leadership; without it, PostgreSQL's lock decides (`state`). */
    leader?: () => boolean;
    clock?: ManualClock;
    state?: Record<string, unknown>;
    onLeadershipLost?: (why: string) => void;
  }) => {
    const r = await startRemediator(
      {
        alertmanager: { url: am.url },
        ...(o.state ? { state: o.state } : {}),
        policy: {
          silenceWhileHealing: false,
          defaults: {
            cooldownSeconds: 0,
            verify: { timeoutSeconds: 30, stableSeconds: 0, intervalSeconds: 1, scoreQuery: '' },
          },
          rules: [
            {
              name: 'cpu',
              match: { alertname: 'HomeostatAnomaly' },
              target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
              allow: ['orders'],
              ladder: [{ action: 'scale_out' }],
            },
          ],
        },
      },
      {
        actuators: { process: o.act },
        ...(o.leader ? { isLeader: o.leader } : {}),
        ...(o.onLeadershipLost ? { onLeadershipLost: o.onLeadershipLost } : {}),
        dbFile: o.dbFile,
        ...(o.clock ? { clock: o.clock } : {}),
      },
    );
    open.push(r);
    return r;
  };
  const takeOver = async (old: TestRemediator) => {
    await old.close();
    open.splice(open.indexOf(old), 1);
  };

  it('no action when leadership ends after the decision; the leader acts once instead', async () => {
    const dbFile = join(makeTempDir('lead-act'), 'audit.db');
    let leading = true;
    const act = new HeldPlanActuator();
    const one = await start({ act, dbFile, leader: () => leading });
    const a = alert({ instance: 'lead-act' });
    a.fingerprint = await fireInAlertmanager(am.url, a.labels);
    expect((await one.post('/api/v1/alerts/alertmanager', webhook([a]))).status).toBe(202);
    await waitFor('the step decided and planning', () => act.planning);
    leading = false; // the Lease's renew deadline passed, or the lock's session ended
    act.go();
    await one.engine.idle();
    expect(act.runs).toEqual([]);
    const [rec] = one.store.actions(0, Date.now() + 1e12);
    expect(rec).toMatchObject({ result: 'skipped', error: expect.stringMatching(/^leadership lost/) });
    expect(one.store.db.prepare('SELECT * FROM claims').all()).toEqual([]);

    await takeOver(one);
    const next = new RecordingActuator();
    const two = await start({ act: next, dbFile, leader: () => true });
    await waitFor('the leader to act', () => next.runs.length === 1);
    expect(two.store.actions(0, Date.now() + 1e12).map((x) => x.result)).toEqual(['skipped', 'succeeded']);
  });

  it('no undo when leadership ends during verification; the leader verifies again and undoes once', async () => {
    const dbFile = join(makeTempDir('lead-undo'), 'audit.db');
    const clock = new ManualClock();
    let leading = true;
    const act = new RecordingActuator();
    const one = await start({ act, dbFile, clock, leader: () => leading });
    const a = alert({ instance: 'lead-undo' });
    a.fingerprint = await fireInAlertmanager(am.url, a.labels);
    await one.post('/api/v1/alerts/alertmanager', webhook([a]));
    await waitFor('the scale-out', () => act.runs.length === 1);
    leading = false;
    // the alert keeps firing through the window: verification fails, an undo is due
    const handedOver = () =>
      one.store.db.prepare("SELECT 1 FROM audit WHERE kind = 'undo_handed_over'").all().length === 1;
    await driveUntil(clock, handedOver);
    expect(act.undos).toEqual([]);
    expect(one.store.actions(0, Date.now() + 1e12)[0]).toMatchObject({ verification: 'pending' });

    await takeOver(one);
    const next = new RecordingActuator();
    next.replicas = 3; // what the scale-out left
    const two = await start({ act: next, dbFile, clock, leader: () => true });
    const undone = () => two.store.actions(0, Date.now() + 1e12)[0]?.result === 'rolled_back';
    await driveUntil(clock, undone);
    expect(next.undos).toHaveLength(1);
    expect(next.replicas).toBe(2);
    expect(next.runs).toEqual([]); // the step was not repeated, only undone
  });

  it('PostgreSQL: the live check finds the lock session gone before the call: no call', async () => {
    const pg = await startPostgres();
    try {
      const lost: string[] = [];
      const act = new HeldPlanActuator();
      // polls 10 s apart (the most allowed): the check right before the call notices the loss first
      const r = await start({
        act,
        dbFile: join(makeTempDir('lead-pg'), 'unused.db'),
        state: { url: pg.connectionUrl, pollMs: 10_000 },
        onLeadershipLost: (why) => lost.push(why),
      });
      const a = alert({ instance: 'lead-pg' });
      a.fingerprint = await fireInAlertmanager(am.url, a.labels);
      expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).status).toBe(202);
      await waitFor('the step decided and planning', () => act.planning);
      // The session holding the leader lock ends (a partition, a PostgreSQL failover...) and the
      // driver reconnects as a new session, without the lock: writes work again, the lock is gone.
      const session = () =>
        Number((r.store.db.prepare('SELECT pg_backend_pid() AS pid').get() as { pid: number }).pid);
      const held = session();
      psql(pg.connectionUrl, "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'");
      await waitFor('a new session', () => {
        try {
          return session() !== held;
        } catch {
          return false; // reconnecting
        }
      });
      act.go();
      await waitFor('the step to end', () => r.store.actions(0, Date.now() + 1e12)[0]?.finishedAt != null);
      expect(act.runs).toEqual([]);
      expect(r.store.actions(0, Date.now() + 1e12)[0]).toMatchObject({
        result: 'skipped',
        error: expect.stringMatching(/^leadership lost/),
      });
      expect(lost).toEqual([expect.stringMatching(/session changed/)]);
      await r.close();
      open.splice(open.indexOf(r), 1);
    } finally {
      await pg.stop({ removeDir: true });
    }
  });
});
