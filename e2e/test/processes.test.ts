import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_PATHS } from '@homeostat/chaos/dist/cli/cli-args';
import { Progress } from '@homeostat/chaos/dist/runner/progress';
import { runExperiment } from '@homeostat/chaos/dist/runner/run-experiment';
import { startStack, type Stack } from '@homeostat/chaos/dist/stack/start-stack';
import { AlertmanagerWatch } from './support/alertmanager-watch';
import { expectAddedReplicaServes, expectAnswersAgain, expectHealingLoop, expectQuietControl } from './support/healing-checks';
import { RemediatorClient } from './support/remediator-client';
import { CRASH_WINDOW_SECONDS, FAULT_SECONDS, FIRST_WARMUP_SECONDS, cpuSpike, crashOf, report } from './support/scenarios';

/**
 * Issue 7's end-to-end proof with the fleet as local processes: chaos's stack (real Prometheus,
 * Alertmanager, detector, remediator with its process actuator, gateway + backends) and chaos's
 * runner (load, injection, ground truth, MTTD/MTTR). Each stage of the loop is checked where a
 * user would look: Prometheus, Alertmanager, the remediator's audit API and the gateway.
 */
describe('self-healing, demo fleet as local processes', () => {
  let stack: Stack;
  let am: AlertmanagerWatch;
  let remediator: RemediatorClient;
  let stackStartedAt: number;
  const progress = new Progress(process.stderr);

  beforeAll(async () => {
    stackStartedAt = Date.now();
    stack = await startStack({ heal: true, log: (m) => progress.line(`[e2e processes] ${m}`) });
    const remConfig = parse(readFileSync(join(stack.dir, 'remediator.yml'), 'utf8')) as { alertmanager: { url: string } };
    am = new AlertmanagerWatch(remConfig.alertmanager.url).start();
    remediator = new RemediatorClient(stack.remediatorUrl!);
  }, 180_000);

  afterAll(async () => {
    am?.stop();
    await stack?.stop();
  }, 60_000);

  it('control period without action, then a CPU spike on orders: detected, alerted, scaled out, verified, replica serving', async () => {
    const run = await runExperiment(cpuSpike(), stack, {
      durationSeconds: FAULT_SECONDS,
      warmupSeconds: FIRST_WARMUP_SECONDS,
      paths: DEFAULT_PATHS,
      repeat: 0,
      progress,
    });
    report('processes', run);

    const parts = { stack, remediator, alertmanager: am };
    await expectQuietControl(run, parts, stackStartedAt);
    await expectHealingLoop(run, parts, { service: 'orders', alertname: 'HomeostatAnomaly', action: 'scale_out' });
    // recovery: orders has another replica in the gateway's rotation and it answers users
    await expectAddedReplicaServes(parts, 'orders', '/api/orders');
  });

  it('crash of payments: target down, alerted, restarted by the remediator, verified, answering through the gateway', async () => {
    const run = await runExperiment(crashOf('payments'), stack, {
      durationSeconds: CRASH_WINDOW_SECONDS,
      warmupSeconds: 15,
      paths: DEFAULT_PATHS,
      repeat: 0,
      progress,
    });
    report('processes', run);
    expect(run.groundTruth[0]).toMatchObject({ fault: 'crash', service: 'payments' });

    const parts = { stack, remediator, alertmanager: am };
    await expectHealingLoop(run, parts, { service: 'payments', alertname: 'HomeostatTargetDown', action: 'restart' });
    expect(run.notes.join('\n')).not.toMatch(/restarted by the runner/); // healing came from the remediator, not the runner's rollback
    // recovery: payments answers through the gateway again
    await expectAnswersAgain(parts, '/api/payments');
  });
});
