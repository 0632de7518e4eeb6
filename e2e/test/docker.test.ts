import Docker from 'dockerode';
import { DEFAULT_PATHS } from '@homeostat/chaos/dist/cli/cli-args';
import { Progress } from '@homeostat/chaos/dist/runner/progress';
import { runExperiment } from '@homeostat/chaos/dist/runner/run-experiment';
import { AlertmanagerWatch } from './support/alertmanager-watch';
import { E2E_LABEL, IMAGE, PROJECT, RUN_ID, RUN_LABEL, removeEverything } from './support/docker-fleet';
import { startDockerStack, type DockerStack } from './support/docker-stack';
import { expectAddedReplicaServes, expectAnswersAgain, expectHealingLoop, expectQuietControl } from './support/healing-checks';
import { RemediatorClient } from './support/remediator-client';
import { CRASH_WINDOW_SECONDS, FAULT_SECONDS, FIRST_WARMUP_SECONDS, cpuSpike, crashOf, report } from './support/scenarios';

/**
 * Issue 7's end-to-end proof on a real dockerd: the demo backends run as containers (host
 * network, compose labels), the remediator's Docker actuator restarts and clones them; the rest of
 * the stack runs as processes. Same runner and the same checks as the processes variant.
 */
describe('self-healing, demo backends as Docker containers', () => {
  const docker = new Docker();
  let stack: DockerStack;
  let am: AlertmanagerWatch;
  let remediator: RemediatorClient;
  let stackStartedAt: number;
  const progress = new Progress(process.stderr);

  beforeAll(async () => {
    stackStartedAt = Date.now();
    stack = await startDockerStack((m) => progress.line(`[e2e docker] ${m}`));
    am = new AlertmanagerWatch(stack.alertmanagerUrl).start();
    remediator = new RemediatorClient(stack.remediatorUrl!);
  }, 300_000);

  afterAll(async () => {
    am?.stop();
    await stack?.stop();
    await removeEverything(docker, { image: true });
    // nothing of ours is left: no container with our run's label, no image tag
    expect(await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${RUN_LABEL}=${RUN_ID}`] }) })).toEqual([]);
    expect((await docker.listImages({ filters: JSON.stringify({ reference: [IMAGE] }) })).length).toBe(0);
  }, 120_000);

  const projectContainers = async (service: string) =>
    docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`com.docker.compose.project=${PROJECT}`, `com.docker.compose.service=${service}`] }),
    });

  it('control period without action, then a CPU spike on orders: detected, alerted, scaled out by a cloned container that gets traffic', async () => {
    expect(await projectContainers('orders')).toHaveLength(1);
    const run = await runExperiment(cpuSpike(), stack, {
      durationSeconds: FAULT_SECONDS,
      warmupSeconds: FIRST_WARMUP_SECONDS,
      paths: DEFAULT_PATHS,
      repeat: 0,
      progress,
    });
    report('docker', run);

    const parts = { stack, remediator, alertmanager: am };
    await expectQuietControl(run, parts, stackStartedAt);
    await expectHealingLoop(run, parts, { service: 'orders', alertname: 'HomeostatAnomaly', action: 'scale_out' });
    // recovery: a clone of the orders container runs, with the compose labels, and answers through the gateway
    const clones = (await projectContainers('orders')).filter((c) => c.Labels['io.homeostat.remediator.clone'] === 'true');
    expect(clones.length).toBeGreaterThanOrEqual(1);
    expect(clones[0]).toMatchObject({ State: 'running', Labels: { 'com.docker.compose.service': 'orders', [E2E_LABEL]: 'true' } });
    await expectAddedReplicaServes(parts, 'orders', '/api/orders');
  });

  it('crash of payments (the container exits): target down, alerted, container restarted by the remediator, answering again', async () => {
    const original = stack.fleet.originalId('payments');
    const run = await runExperiment(crashOf('payments'), stack, {
      durationSeconds: CRASH_WINDOW_SECONDS,
      warmupSeconds: 15,
      paths: DEFAULT_PATHS,
      repeat: 0,
      progress,
    });
    report('docker', run);
    expect(run.groundTruth[0]).toMatchObject({ fault: 'crash', service: 'payments' });

    const parts = { stack, remediator, alertmanager: am };
    await expectHealingLoop(run, parts, { service: 'payments', alertname: 'HomeostatTargetDown', action: 'restart' });
    expect(run.notes.join('\n')).not.toMatch(/restarted by the runner/); // healing came from the remediator, not the runner's rollback
    // the container that exited is the one running again (a restart, not a replacement)
    const info = await docker.getContainer(original).inspect();
    expect(info.State.Running).toBe(true);
    expect(Date.parse(info.State.StartedAt)).toBeGreaterThan(run.groundTruth[0].start);
    await expectAnswersAgain(parts, '/api/payments');
  });
});
