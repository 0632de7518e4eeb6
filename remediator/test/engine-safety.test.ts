import { join } from 'node:path';
import { freePort, makeTempDir, startAlertmanager, waitFor, type Daemon } from '@homeostat/testkit';
import { fireInAlertmanager, resolveInAlertmanager, silences } from './support/am-alerts';
import { driveUntil, ManualClock } from './support/manual-clock';
import { alert, webhook } from './support/payload';
import { RecordingActuator } from './support/recording-actuator';
import { asOperator, startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(90_000);

/**
 * The engine's safety rails, end to end through the webhook API, on real SQLite and a real
 * Alertmanager 0.25 (verification reads the alert from it by fingerprint; silences are written
 * there). The actuator records calls instead of touching processes: the subject here is the engine.
 */
describe('engine safety: one claim per target, an owner for every incident, the kill switch', () => {
  let am: Daemon;
  const open: TestRemediator[] = [];

  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    for (const r of open) await r.close().catch(() => undefined);
    await am?.stop({ removeDir: true });
  });

  const rule = (over: Record<string, unknown> = {}) => ({
    name: 'cpu',
    match: { alertname: 'HomeostatAnomaly', top_feature: 'cpu' },
    target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
    allow: ['orders', 'payments'],
    ladder: [{ action: 'scale_out' }, { action: 'restart' }],
    ...over,
  });
  const start = async (
    o: {
      rules?: Record<string, unknown>[];
      act?: RecordingActuator;
      clock?: ManualClock;
      dbFile?: string;
      amUrl?: string;
      verify?: Record<string, unknown>;
      silence?: boolean;
    } = {},
  ) => {
    const act = o.act ?? new RecordingActuator();
    const r = await startRemediator(
      {
        alertmanager: { url: o.amUrl ?? am.url },
        policy: {
          silenceWhileHealing: o.silence ?? false,
          defaults: {
            cooldownSeconds: 60,
            verify: { timeoutSeconds: 30, stableSeconds: 0, intervalSeconds: 1, scoreQuery: '', ...o.verify },
          },
          rules: o.rules ?? [rule()],
        },
      },
      {
        actuators: { process: act },
        ...(o.clock ? { clock: o.clock } : {}),
        ...(o.dbFile ? { dbFile: o.dbFile } : {}),
      },
    );
    open.push(r);
    return { r, act };
  };
  const incident = (r: TestRemediator, fp: string) =>
    r.store.incidents(0, Date.now() + 1e12).find((i) => i.fingerprint === fp)!;
  const metric = async (r: TestRemediator, re: RegExp) =>
    re.test(await (await fetch(`${r.url}/metrics`)).text());

  it('acts once when one notification carries several alerts for one target, across rules', async () => {
    const { r, act } = await start({
      rules: [
        rule(),
        rule({ name: 'latency', match: { alertname: 'HomeostatAnomaly', top_feature: 'latency' } }),
      ],
    });
    act.hold = true; // the first action stays in flight while the others are decided
    const a = alert({ instance: '127.0.0.1:8101' });
    const b = alert({ instance: '127.0.0.1:8102' });
    const c = alert({ instance: '127.0.0.1:8103', top_feature: 'latency' });
    expect((await r.post('/api/v1/alerts/alertmanager', webhook([a, b, c]))).status).toBe(202);
    await waitFor('the first action', () => act.runs.length === 1);
    await waitFor('the other two to be decided', () =>
      [b, c].every((x) => incident(r, x.fingerprint).actions.length === 1),
    );
    act.release();
    await r.engine.idle();
    expect(act.runs).toHaveLength(1);
    expect(act.maxActive).toBe(1);
    const actedFor = act.runs[0]!.incidentId;
    const others = [a, b, c].map((x) => incident(r, x.fingerprint)).filter((i) => i.id !== actedFor);
    for (const i of others) {
      expect(i.actions[0]).toMatchObject({ result: 'skipped', reason: expect.stringMatching(/^in_flight/) });
      // after the claim was released they were looked at again: now the target's cooldown holds them
      expect(i.actions.at(-1)).toMatchObject({
        result: 'skipped',
        reason: expect.stringMatching(/^cooldown/),
      });
    }
    // their alerts resolve: every incident ends, still one action in all
    await r.post(
      '/api/v1/alerts/alertmanager',
      webhook(
        [a, b, c].map((x) => ({ ...x, status: 'resolved' as const, endsAt: new Date().toISOString() })),
      ),
    );
    await r.engine.idle();
    expect([a, b, c].map((x) => incident(r, x.fingerprint).status).sort()).toEqual([
      'healed',
      'resolved',
      'resolved',
    ]);
    expect(act.runs).toHaveLength(1);
  });

  it('retries an incident held by the cooldown once it has passed, and heals it', async () => {
    const clock = new ManualClock();
    const { r, act } = await start({ clock });
    const first = alert({ instance: 'a' });
    await r.post('/api/v1/alerts/alertmanager', webhook([first]));
    await r.engine.idle();
    expect(incident(r, first.fingerprint).status).toBe('healed');
    const second = alert({ instance: 'b' });
    await r.post('/api/v1/alerts/alertmanager', webhook([second]));
    await r.engine.idle();
    expect(incident(r, second.fingerprint)).toMatchObject({
      status: 'open',
      actions: [{ result: 'skipped' }],
    });
    clock.advance(59_000);
    await r.engine.idle();
    expect(act.runs).toHaveLength(1);
    clock.advance(2_000);
    await waitFor('the retry', () => act.runs.length === 2);
    await r.engine.idle();
    const inc = incident(r, second.fingerprint);
    expect(inc.status).toBe('healed');
    expect(inc.actions.map((x) => x.result)).toEqual(['skipped', 'succeeded']);
  });

  it('resumes an incident the kill switch held back once the switch is released', async () => {
    const { r, act } = await start();
    r.engine.setKillSwitch(true, 'test');
    const a = alert({});
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await r.engine.idle();
    expect(act.runs).toHaveLength(0);
    expect(incident(r, a.fingerprint).actions[0]?.reason).toMatch(/^kill_switch/);
    r.engine.setKillSwitch(false, 'test');
    await waitFor('the resumed action', () => act.runs.length === 1);
    await r.engine.idle();
    expect(incident(r, a.fingerprint).status).toBe('healed');
  });

  it('after a restart acts on the resumed verification: undoes, takes the next step, heals', async () => {
    const clock = new ManualClock();
    const dbFile = join(makeTempDir('restart'), 'audit.db');
    const a = alert({ instance: 'restart' });
    a.fingerprint = await fireInAlertmanager(am.url, a.labels);
    const one = await start({ clock, dbFile });
    await one.r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await waitFor('the scale-out', () => one.act.runs.length === 1);
    await waitFor(
      'verification under way',
      () =>
        incident(one.r, a.fingerprint).actions[0]?.verification === 'pending' &&
        incident(one.r, a.fingerprint).actions[0]?.finishedAt !== null,
    );
    await one.r.close(); // the remediator stops mid-verification
    open.splice(open.indexOf(one.r), 1);

    const act = new RecordingActuator();
    act.replicas = 3; // what the scale-out left
    const two = await start({ clock, dbFile, act });
    // the alert keeps firing in Alertmanager through the verification window: the step failed
    await driveUntil(clock, () => act.runs.length === 1);
    expect(act.undos).toEqual([{ action: 'scale_out', incidentId: incident(two.r, a.fingerprint).id }]);
    expect(act.replicas).toBe(2);
    expect(act.runs[0]!.action).toBe('restart');
    await resolveInAlertmanager(am.url, a.labels);
    await driveUntil(clock, () => incident(two.r, a.fingerprint).status === 'healed');
    const acts = incident(two.r, a.fingerprint).actions;
    expect(acts.map((x) => [x.action, x.result, x.verification])).toEqual([
      ['scale_out', 'rolled_back', 'failed'],
      ['restart', 'skipped', 'not_applicable'], // the target's cooldown, waited out
      ['restart', 'succeeded', 'passed'],
    ]);
    expect(acts[1]!.reason).toMatch(/^cooldown/);
  });

  it('escalates at the end of the ladder: silence expired, escalation event, metric', async () => {
    const clock = new ManualClock();
    const a = alert({ instance: 'escalate' });
    a.fingerprint = await fireInAlertmanager(am.url, a.labels);
    const { r } = await start({ clock, silence: true, rules: [rule({ ladder: [{ action: 'restart' }] })] });
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await driveUntil(clock, () => incident(r, a.fingerprint).status === 'escalated');
    const mine = (await silences(am.url)).filter((s) => s.comment.includes('restart (cpu)'));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((s) => s.status.state === 'expired')).toBe(true);
    const kinds = r.store.db
      .prepare('SELECT kind, data FROM audit WHERE incident_id = ?')
      .all(incident(r, a.fingerprint).id) as { kind: string; data: string }[];
    expect(kinds.find((k) => k.kind === 'escalation')?.data).toMatch(/ladder_exhausted/);
    expect(await metric(r, /homeostat_remediator_escalations_total\{reason="ladder_exhausted"\} 1/)).toBe(
      true,
    );
    await resolveInAlertmanager(am.url, a.labels);
  });

  it('does not undo or climb when verification cannot read; hands the incident to humans', async () => {
    const clock = new ManualClock();
    const dead = `http://127.0.0.1:${await freePort()}`; // Alertmanager down during verification
    const { r, act } = await start({ clock, amUrl: dead });
    const a = alert({ instance: 'outage' });
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await driveUntil(clock, () => incident(r, a.fingerprint).status === 'escalated');
    expect(act.runs.map((x) => x.action)).toEqual(['scale_out']);
    expect(act.undos).toEqual([]);
    expect(incident(r, a.fingerprint).actions[0]).toMatchObject({
      result: 'succeeded',
      verification: 'inconclusive',
    });
  });

  it('a failed undo marks the action, counts it, fails the incident and stops the ladder', async () => {
    const clock = new ManualClock();
    const a = alert({ instance: 'undo' });
    a.fingerprint = await fireInAlertmanager(am.url, a.labels);
    const act = new RecordingActuator();
    act.failUndo = 'replica 8111 already gone';
    const { r } = await start({ clock, act });
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await driveUntil(clock, () => incident(r, a.fingerprint).status === 'failed');
    expect(act.runs.map((x) => x.action)).toEqual(['scale_out']);
    expect(incident(r, a.fingerprint).actions[0]).toMatchObject({
      result: 'failed',
      verification: 'failed',
      error: expect.stringMatching(/^undo failed: replica 8111 already gone/),
    });
    expect(await metric(r, /homeostat_remediator_undo_failures_total\{action="scale_out"\} 1/)).toBe(true);
    await resolveInAlertmanager(am.url, a.labels);
  });

  it('the kill switch engaged during verification stops the undo and the next step', async () => {
    const clock = new ManualClock();
    const a = alert({ instance: 'switch' });
    a.fingerprint = await fireInAlertmanager(am.url, a.labels);
    const { r, act } = await start({ clock });
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await waitFor('the scale-out', () => act.runs.length === 1);
    r.engine.setKillSwitch(true, 'test');
    await driveUntil(clock, () => incident(r, a.fingerprint).status === 'escalated');
    expect(act.undos).toEqual([]);
    expect(act.runs).toHaveLength(1);
    r.engine.setKillSwitch(false, 'test');
    await r.engine.idle();
    expect(act.runs).toHaveLength(1); // an escalated incident stays with the humans
    await resolveInAlertmanager(am.url, a.labels);
  });

  it('refuses approvals while the kill switch is engaged and keeps them pending', async () => {
    const { r, act } = await start({ rules: [rule({ approvalRequired: true })] });
    const a = alert({});
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await r.engine.idle();
    const pending = incident(r, a.fingerprint).actions[0]!;
    expect(pending.result).toBe('pending_approval');
    const approve = () =>
      fetch(`${r.url}/api/v1/actions/${pending.id}/approve`, {
        method: 'POST',
        headers: asOperator,
      });
    r.engine.setKillSwitch(true, 'test');
    const refused = await approve();
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'KILL_SWITCH_ENGAGED', field: 'id' });
    expect(r.store.action(pending.id)?.result).toBe('pending_approval');
    expect(act.runs).toHaveLength(0);
    r.engine.setKillSwitch(false, 'test');
    expect((await approve()).status).toBe(200);
    await waitFor('the approved action', () => act.runs.length === 1);
    await r.engine.idle();
    expect(incident(r, a.fingerprint).status).toBe('healed');
  });
});
