import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { isDraining, type Target } from '@homeostat/contracts';
import {
  buildNodeImage,
  freePort,
  makeTempDir,
  startPrometheus,
  waitFor,
  type PrometheusDaemon,
} from '@homeostat/testkit';
import { DockerActuator } from '../src/actuators/docker';
import { composeProject, healthy } from './support/compose-containers';
import { FIXTURE } from './support/remediator';

jest.setTimeout(180_000);

const IMAGE = 'homeostat/remediator-test-node:1';
const project = `hsdrain${process.pid}`;
const docker = new Docker();
const target: Target = { actuator: 'docker', kind: 'compose-service', name: 'orders', namespace: project };
/**
 * The hold gives back every clone past its hold on the engine: only this file's incidents are
 * ours (a chaos stack or another test may hold clones on the same dockerd).
 */
const ours = (incidentId: string) => ['inc-1', 'inc-2'].includes(incidentId);
/** Longer than Prometheus takes to drop a target its file_sd lost (its target updates wait up to 5 s + 5 s). */
const DRAIN_SECONDS = 12;

const { containers: projectContainers, portOf } = composeProject(docker, project);

/**
 * Discovery as compose's docker_sd does it (provisioning/prometheus): every container of the
 * project, running or not, as a target labelled with its container name, except the names the
 * draining relabelling drops; written as file_sd for a real Prometheus.
 */
async function discover(file: string): Promise<void> {
  const groups = [];
  for (const c of await projectContainers()) {
    const name = (c.Names[0] ?? '').replace(/^\//, '');
    if (isDraining(name)) continue;
    groups.push({
      targets: [`127.0.0.1:${await portOf(c.Id)}`],
      labels: { service: 'orders', container: name },
    });
  }
  writeFileSync(`${file}.tmp`, JSON.stringify(groups));
  renameSync(`${file}.tmp`, file);
}

describe('a Docker give-back drains the clone before removing it (real engine, real Prometheus)', () => {
  const sdFile = join(makeTempDir('drain-sd'), 'targets.json');
  let prom: PrometheusDaemon;
  let sync: NodeJS.Timeout;

  beforeAll(async () => {
    await buildNodeImage({ tag: IMAGE, files: { '/app/tiny-server.js': FIXTURE } });
    const port = await freePort();
    execFileSync('docker', [
      'run', '-d', '--network', 'host', '--name', `${project}-orders-1`,
      '--label', `com.docker.compose.project=${project}`,
      '--label', 'com.docker.compose.service=orders',
      '--label', 'com.docker.compose.container-number=1',
      '--env', `PORT=${port}`,
      IMAGE, 'node', 'tiny-server.js',
    ]); // prettier-ignore
    await waitFor('the original container', () => healthy(port));
    await discover(sdFile);
    sync = setInterval(() => void discover(sdFile).catch(() => undefined), 500);
    prom = await startPrometheus({ scrapeTargets: [{ job: 'fleet', targets: [], files: [sdFile] }] });
  });

  afterAll(async () => {
    clearInterval(sync);
    await prom?.stop();
    for (const c of await projectContainers())
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('keeps the clone serving out of discovery for drainSeconds: Prometheus never sees it down', async () => {
    let now = Date.now();
    const act = new DockerActuator({
      hold: { holdSeconds: 60, now: () => now, ownsIncident: ours },
      drainSeconds: DRAIN_SECONDS,
    });
    const before = await act.snapshot(target);
    const after = await (
      await act.plan(
        {
          action: 'scale_out',
          target,
          params: {},
          labels: { service: 'orders' },
          incidentId: 'inc-1',
          desiredReplicas: 2,
        },
        before,
      )
    ).run();
    const [cloneId] = after.clones as string[];
    const cloneName = `${project}-orders-2`;
    const clonePort = await portOf(cloneId!);
    await waitFor(
      'Prometheus to scrape the clone',
      async () => (await prom.query(`up{container="${cloneName}"} == 1`)).length === 1,
    );

    now += 61_000; // the hold has ended
    const sweep = act.sweepHolds();
    // while it drains: renamed, out of the targets, still answering, no longer a replica of the service
    await waitFor(
      'the clone to be renamed',
      async () => (await docker.getContainer(cloneId!).inspect()).Name === `/${cloneName}.draining`,
    );
    expect(await healthy(clonePort)).toBe(true);
    expect((await act.snapshot(target)).replicas).toBe(1);
    await waitFor(
      'Prometheus to drop the draining clone',
      async () => (await prom.query(`up{container="${cloneName}"}`)).length === 0,
    );
    expect(await healthy(clonePort)).toBe(true); // it left discovery before it stopped answering

    expect(await sweep).toEqual([
      expect.objectContaining({
        actuator: 'docker',
        target,
        replica: cloneName,
        incidentId: 'inc-1',
        // the panel shows the change (it labelled a give-back without counts as -1)
        replicas: { before: 2, after: 1 },
      }),
    ]);
    expect((await projectContainers()).map((c) => c.Names[0])).toEqual([`/${project}-orders-1`]);
    await waitFor(
      'Prometheus to have no clone target',
      async () => (await prom.query(`up{container="${cloneName}"}`)).length === 0,
    );
    // every sample Prometheus took of the clone was up: HomeostatTargetDown has nothing to fire on
    const samples = await prom.query(`count_over_time(up{container="${cloneName}"}[5m])`);
    const worst = await prom.query(`min_over_time(up{container="${cloneName}"}[5m])`);
    expect(Number(samples[0]?.value[1])).toBeGreaterThan(0);
    expect(worst[0]?.value[1]).toBe('1');
    await act.close();
  });

  it('a remediator stopped mid-drain leaves the clone draining; the next one finishes the give-back', async () => {
    const now = Date.now();
    const first = new DockerActuator({
      hold: { holdSeconds: 60, now: () => now, ownsIncident: ours },
      drainSeconds: 120,
    });
    const after = await (
      await first.plan(
        { action: 'scale_out', target, params: {}, labels: {}, incidentId: 'inc-2', desiredReplicas: 2 },
        await first.snapshot(target),
      )
    ).run();
    const [cloneId] = after.clones as string[];
    const name = (await docker.getContainer(cloneId!).inspect()).Name.slice(1);
    const later = () => now + 61_000;
    const stopping = new DockerActuator({
      hold: { holdSeconds: 60, now: later, ownsIncident: ours },
      drainSeconds: 120,
    });
    const sweep = stopping.sweepHolds();
    await waitFor(
      'the clone to be renamed',
      async () => (await docker.getContainer(cloneId!).inspect()).Name === `/${name}.draining`,
    );
    await stopping.close(); // shutting down ends the 120 s drain at once, removing nothing
    expect(await sweep).toEqual([]);
    expect((await docker.getContainer(cloneId!).inspect()).State.Running).toBe(true);

    const next = new DockerActuator({
      hold: { holdSeconds: 60, now: later, ownsIncident: ours },
      drainSeconds: 0,
    });
    expect(await next.sweepHolds()).toEqual([
      expect.objectContaining({ replica: name, incidentId: 'inc-2' }), // its own name, not the draining one
    ]);
    expect((await projectContainers()).map((c) => c.Names[0])).toEqual([`/${project}-orders-1`]);
    await Promise.all([first.close(), next.close()]);
  });
});
