import { waitFor } from '@homeostat/testkit';
import { alert, webhook } from './support/payload';
import { RecordingActuator } from './support/recording-actuator';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(60_000);

/**
 * The kill switch engaged after a step passed its checks and claimed its target, while the target
 * was being read: the call is not made, the claim is given back and the incident waits for the
 * switch; released, the step runs. Real SQLite; the actuator records calls.
 */
describe('kill switch between the decision and the call', () => {
  let r: TestRemediator;
  afterAll(async () => {
    await r?.close();
  });

  it('makes no call once engaged, and resumes the step when released', async () => {
    const act = new RecordingActuator();
    act.holdSnapshot = true;
    r = await startRemediator(
      {
        policy: {
          defaults: {
            cooldownSeconds: 0,
            verify: {
              timeoutSeconds: 5,
              stableSeconds: 0,
              intervalSeconds: 0.1,
              requireResolved: false,
              scoreQuery: '',
            },
          },
          rules: [
            {
              name: 'cpu',
              match: { alertname: 'HomeostatAnomaly' },
              target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
              allow: ['orders'],
              ladder: [{ action: 'restart' }],
            },
          ],
        },
      },
      { actuators: { process: act } },
    );
    const a = alert({});
    await r.post('/api/v1/alerts/alertmanager', webhook([a]));
    await waitFor(
      'the claim',
      () => (r.store.db.prepare('SELECT COUNT(*) AS n FROM claims').get() as { n: number }).n === 1,
    );
    r.engine.setKillSwitch(true, 'test');
    act.release();
    await r.engine.idle();
    expect(act.runs).toEqual([]);
    expect((r.store.db.prepare('SELECT COUNT(*) AS n FROM claims').get() as { n: number }).n).toBe(0);
    const inc = () => r.store.incidents(0, Date.now()).find((i) => i.fingerprint === a.fingerprint)!;
    expect(inc().status).toBe('open');
    expect(inc().actions.at(-1)?.reason).toMatch(/^kill_switch/);
    act.holdSnapshot = false;
    r.engine.setKillSwitch(false, 'test');
    await waitFor('the resumed step', () => act.runs.length === 1);
    await r.engine.idle();
    expect(inc().status).toBe('healed');
  });
});
