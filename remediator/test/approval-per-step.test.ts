import { startAlertmanager, waitFor, type Daemon } from '@homeostat/testkit';
import { fireInAlertmanager, resolveInAlertmanager } from './support/am-alerts';
import { driveUntil, ManualClock } from './support/manual-clock';
import { alert, webhook } from './support/payload';
import { RecordingActuator } from './support/recording-actuator';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(60_000);

/**
 * An approval covers the step a human looked at, not the rest of the ladder: when that step fails
 * verification (the alert keeps firing in a real Alertmanager), the next, more invasive step waits
 * for its own approval. Real SQLite, manual clock.
 */
describe('approvals per ladder step', () => {
  let am: Daemon;
  let r: TestRemediator;
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    await r?.close();
    await am?.stop({ removeDir: true });
  });

  it('asks again for the next step after the approved one failed', async () => {
    const clock = new ManualClock();
    const act = new RecordingActuator();
    r = await startRemediator(
      {
        alertmanager: { url: am.url },
        policy: {
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
              approvalRequired: true,
              ladder: [{ action: 'scale_out' }, { action: 'isolate' }],
            },
          ],
        },
      },
      { actuators: { process: act }, clock },
    );
    const a = alert({ instance: 'approve-steps' });
    a.fingerprint = await fireInAlertmanager(am.url, a.labels);
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await r.engine.idle();
    const actions = () =>
      r.store.incidents(0, Date.now() + 1e12).find((i) => i.fingerprint === a.fingerprint)!.actions;
    const pending = () => actions().filter((x) => x.result === 'pending_approval');
    expect(pending().map((x) => [x.action, x.step])).toEqual([['scale_out', 0]]);
    r.engine.approve(pending()[0]!.id, 'operator');
    await waitFor('the approved scale-out', () => act.runs.length === 1);
    // the alert keeps firing: the scale-out fails verification, is undone, and step 1 waits for a human
    await driveUntil(clock, () => pending().some((x) => x.step === 1));
    expect(act.runs.map((x) => x.action)).toEqual(['scale_out']);
    expect(act.undos.map((x) => x.action)).toEqual(['scale_out']);
    expect(pending().map((x) => [x.action, x.step])).toEqual([['isolate', 1]]);
    await resolveInAlertmanager(am.url, a.labels);
  });

  it('an approval request not answered within approvalTimeoutSeconds expires and goes to humans', async () => {
    const clock = new ManualClock();
    const act = new RecordingActuator();
    const r2 = await startRemediator(
      {
        alertmanager: { url: am.url },
        policy: {
          defaults: { verify: { scoreQuery: '' } },
          rules: [
            {
              name: 'cpu',
              match: { alertname: 'HomeostatAnomaly' },
              target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
              allow: ['orders'],
              approvalRequired: true,
              approvalTimeoutSeconds: 600,
              ladder: [{ action: 'restart' }],
            },
          ],
        },
      },
      { actuators: { process: act }, clock },
    );
    try {
      const a = alert({ instance: 'approval-expires' });
      await r2.post('/api/v1/alerts/alertmanager', webhook([a]));
      await r2.engine.idle();
      const inc = () =>
        r2.store.incidents(0, Date.now() + 1e12).find((i) => i.fingerprint === a.fingerprint)!;
      expect(inc().actions.map((x) => x.result)).toEqual(['pending_approval']);
      clock.advance(599_000);
      await r2.engine.idle();
      expect(inc().status).toBe('open');
      clock.advance(2_000);
      await waitFor('the expiry', () => inc().status === 'escalated');
      expect(inc().actions[0]).toMatchObject({ result: 'skipped', error: expect.stringMatching(/expired/) });
      expect(() => r2.engine.approve(inc().actions[0]!.id, 'late operator')).toThrow(/not pending_approval/);
      expect(act.runs).toEqual([]);
    } finally {
      await r2.close();
    }
  });
});
