import { execFileSync } from 'node:child_process';
import { buildNodeImage, freePort, startAlertmanager, waitFor, type Daemon } from '@homeostat/testkit';
import Docker from 'dockerode';
import type { Target } from '@homeostat/contracts';
import { CLONE_LABEL, DockerActuator } from '../src/actuators/docker';
import { HOLD_UNTIL_LABEL } from '../src/actuators/docker-labels';
import { RemediatorError } from '../src/errors';
import { fireInAlertmanager, resolveInAlertmanager } from './support/am-alerts';
import { alert, webhook } from './support/payload';
import { composeProject, healthy } from './support/compose-containers';
import { FIXTURE, startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(180_000);

const IMAGE = 'homeostat/remediator-test-node:1';
const project = `hstest${process.pid}`;
const docker = new Docker();
const target: Target = { actuator: 'docker', kind: 'compose-service', name: 'orders', namespace: project };

const { containers: projectContainers, portOf } = composeProject(docker, project);
/** The hold sweeps every clone on the engine: only this file's incident is ours (a chaos stack may share dockerd). */
const ours = (incidentId: string) => incidentId === 'inc-1';

describe('Docker actuator against the real engine', () => {
  // minReadySeconds 1: the restart of every replica waits that long between containers (no healthcheck here)
  const act = new DockerActuator({ minReadySeconds: 1 });
  let originalId: string;
  let port: number;
  const req = (
    action: 'restart' | 'scale_out' | 'scale_in' | 'stop' | 'isolate',
    desiredReplicas?: number,
  ) => ({
    action,
    target,
    params: {},
    labels: { service: 'orders' },
    incidentId: 'inc-1',
    ...(desiredReplicas ? { desiredReplicas } : {}),
  });

  beforeAll(async () => {
    await buildNodeImage({ tag: IMAGE, files: { '/app/tiny-server.js': FIXTURE } });
    port = await freePort();
    originalId = execFileSync('docker', [
      'run',
      '-d',
      '--network',
      'host',
      '--name',
      `${project}-orders-1`,
      '--label',
      `com.docker.compose.project=${project}`,
      '--label',
      'com.docker.compose.service=orders',
      '--label',
      'com.docker.compose.container-number=1',
      '--env',
      `PORT=${port}`,
      IMAGE,
      'node',
      'tiny-server.js',
    ])
      .toString()
      .trim();
    await waitFor('the original container', () => healthy(port));
  });

  afterAll(async () => {
    for (const c of await projectContainers())
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('restarts a lone container behind a surge clone: some replica answers at every probe, and the clone leaves after', async () => {
    const before = await act.snapshot(target);
    expect(before.replicas).toBe(1);
    const startedAt = (await docker.getContainer(originalId).inspect()).State.StartedAt;
    const plan = await act.plan(req('restart'), before);
    expect(plan.apiCall).toEqual({
      method: 'POST',
      path: `/containers/${originalId}/restart?t=10`,
      contentType: 'application/json',
      body: { surgeFrom: originalId },
    });
    // probe the service every 50 ms while the action runs: the original's port, and any clone's
    const ports = new Set([port]);
    let probes = 0;
    const gaps: number[] = [];
    let running = true;
    const prober = (async () => {
      while (running) {
        for (const c of await projectContainers(false))
          if (c.Id !== originalId) ports.add(await portOf(c.Id));
        const answers = await Promise.all([...ports].map((p) => healthy(p)));
        probes++;
        if (!answers.some(Boolean)) gaps.push(Date.now());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const after = await plan.run();
    running = false;
    await prober;
    expect(after.restarted).toEqual([originalId]);
    expect(after.surge).toEqual(expect.any(String));
    expect(after.surgeSkipped).toBeUndefined();
    expect((await docker.getContainer(originalId).inspect()).State.StartedAt).not.toBe(startedAt);
    expect(ports.size).toBe(2); // the surge served on a port of its own
    expect(probes).toBeGreaterThan(20);
    expect(gaps).toEqual([]);
    // the surge is gone again: the restart did not change capacity
    expect((await projectContainers()).map((c) => c.Id)).toEqual([originalId]);
    expect(after.replicas).toBe(1);
    await waitFor('restarted container to serve', () => healthy(port));
  });

  it('with surgeRestart false, a lone container restarts in place (and has a gap)', async () => {
    const inPlace = new DockerActuator({ minReadySeconds: 1, surgeRestart: false });
    const startedAt = (await docker.getContainer(originalId).inspect()).State.StartedAt;
    const plan = await inPlace.plan(req('restart'), await inPlace.snapshot(target));
    expect(plan.apiCall).toEqual({ method: 'POST', path: `/containers/${originalId}/restart?t=10` });
    await plan.run();
    expect((await docker.getContainer(originalId).inspect()).State.StartedAt).not.toBe(startedAt);
    expect((await projectContainers()).map((c) => c.Id)).toEqual([originalId]);
    await waitFor('restarted container to serve', () => healthy(port));
    await inPlace.close();
  });

  it('scales out by cloning with compose labels plus the clone label, and undo removes only the clone', async () => {
    const before = await act.snapshot(target);
    const plan = await act.plan(req('scale_out', 2), before);
    const after = await plan.run();
    expect(after.replicas).toBe(2);
    const clones = after.clones as string[];
    expect(clones).toHaveLength(1);
    const info = await docker.getContainer(clones[0]!).inspect();
    expect(info.Config.Labels).toMatchObject({
      'com.docker.compose.project': project,
      'com.docker.compose.service': 'orders',
      'com.docker.compose.container-number': '2',
      [CLONE_LABEL]: 'true',
    });
    expect(info.Name).toBe(`/${project}-orders-2`);
    const clonePort = await portOf(clones[0]!);
    expect(clonePort).not.toBe(port); // host networking: the clone listens on its own port
    await waitFor('the clone to serve', () => healthy(clonePort));
    await act.undo(req('scale_out', 2), before, after);
    expect((await projectContainers()).map((c) => c.Id)).toEqual([originalId]);
  });

  it('removes a clone when its scale-out hold ends (the hold is on the clone: a restarted remediator sees it too)', async () => {
    let now = Date.now();
    const holding = new DockerActuator({ hold: { holdSeconds: 60, now: () => now, ownsIncident: ours } });
    const before = await holding.snapshot(target);
    const after = await (await holding.plan(req('scale_out', 2), before)).run();
    const [clone] = after.clones as string[];
    expect((await docker.getContainer(clone!).inspect()).Config.Labels).toMatchObject({
      [HOLD_UNTIL_LABEL]: String(now + 60_000),
    });
    now += 59_000;
    expect(await holding.sweepHolds()).toEqual([]);
    // a second actuator (a restarted remediator) reads the hold from the clone's labels
    const restarted = new DockerActuator({
      hold: { holdSeconds: 60, now: () => now + 2_000, ownsIncident: ours },
    });
    const given = await restarted.sweepHolds();
    expect(given).toEqual([
      expect.objectContaining({ actuator: 'docker', target, incidentId: 'inc-1', heldSeconds: 61 }),
    ]);
    expect((await projectContainers()).map((c) => c.Id)).toEqual([originalId]);
    await holding.close();
    await restarted.close();
  });

  it("never gives back a clone that is its service's last running replica", async () => {
    let now = Date.now();
    const holding = new DockerActuator({ hold: { holdSeconds: 60, now: () => now, ownsIncident: ours } });
    const after = await (await holding.plan(req('scale_out', 2), await holding.snapshot(target))).run();
    const [clone] = after.clones as string[];
    // the original is down (a restart that did not bring it back): the clone is the service now
    await docker.getContainer(originalId).stop({ t: 1 });
    now += 61_000;
    expect(await holding.sweepHolds()).toEqual([]);
    expect((await docker.getContainer(clone!).inspect()).State.Running).toBe(true);
    // once the original serves again, the clone goes back
    await docker.getContainer(originalId).start();
    await waitFor('the original to serve', () => healthy(port));
    expect(await holding.sweepHolds()).toEqual([expect.objectContaining({ target, incidentId: 'inc-1' })]);
    expect((await projectContainers()).map((c) => c.Id)).toEqual([originalId]);
    await holding.close();
  });

  it('scales in by removing clones only, never the original', async () => {
    await (await act.plan(req('scale_out', 3), await act.snapshot(target))).run();
    expect((await act.snapshot(target)).replicas).toBe(3);
    const after = await (await act.plan(req('scale_in', 1), await act.snapshot(target))).run();
    expect(after.replicas).toBe(1);
    const left = await projectContainers();
    expect(left.map((c) => c.Id)).toEqual([originalId]);
    // with only the original left, scale_in has nothing it may remove
    const none = await (await act.plan(req('scale_in', 0), await act.snapshot(target))).run();
    expect(none.replicas).toBe(1);
  });

  it('stops a container and undo starts it again', async () => {
    const before = await act.snapshot(target);
    const after = await (await act.plan(req('stop'), before)).run();
    expect((await docker.getContainer(originalId).inspect()).State.Running).toBe(false);
    await act.undo(req('stop'), before, after);
    expect((await docker.getContainer(originalId).inspect()).State.Running).toBe(true);
    await waitFor('restarted container to serve', () => healthy(port));
  });

  it('restarts a crashed (exited) container: the replica that is down, not a healthy one', async () => {
    // a healthy clone sorts before nothing: make sure the exited original is chosen over it
    await (await act.plan(req('scale_out', 2), await act.snapshot(target))).run();
    await docker.getContainer(originalId).kill({ signal: 'SIGKILL' });
    await waitFor(
      'the original to exit',
      async () => !(await docker.getContainer(originalId).inspect()).State.Running,
    );
    const plan = await act.plan(req('restart'), await act.snapshot(target));
    expect(plan.apiCall).toEqual({ method: 'POST', path: `/containers/${originalId}/restart?t=10` });
    await plan.run();
    expect((await docker.getContainer(originalId).inspect()).State.Running).toBe(true);
    await waitFor('the restarted original to serve', () => healthy(port));
    await (await act.plan(req('scale_in', 1), await act.snapshot(target))).run();
    expect((await projectContainers()).map((c) => c.Id)).toEqual([originalId]);
  });

  it('an alert about the whole service restarts every running replica, one after the other', async () => {
    const after = await (await act.plan(req('scale_out', 2), await act.snapshot(target))).run();
    const [clone] = after.clones as string[];
    const clonePort = await portOf(clone!);
    await waitFor('the clone to serve', () => healthy(clonePort));
    const started = async (id: string) => (await docker.getContainer(id).inspect()).State.StartedAt;
    const before = { original: await started(originalId), clone: await started(clone!) };
    // no container label: the alert cannot say which replica is at fault
    const plan = await act.plan(req('restart'), await act.snapshot(target));
    expect(plan.apiCall).toMatchObject({
      path: `/containers/${originalId}/restart?t=10`,
      body: { inTurn: [originalId, clone] },
    });
    const done = await plan.run();
    expect(done.restarted).toEqual([originalId, clone]);
    expect(await started(originalId)).not.toBe(before.original);
    expect(await started(clone!)).not.toBe(before.clone);
    // one after the other: the clone's restart came after the original's
    expect(Date.parse(await started(clone!))).toBeGreaterThan(Date.parse(await started(originalId)));
    await waitFor('both to serve again', async () => (await healthy(port)) && (await healthy(clonePort)));
    // a container label that names none of the service's containers says nothing of which replica: a
    // restart is the whole service's, and a stop (an action on one replica) is refused
    expect(
      (
        await act.plan(
          { ...req('restart'), labels: { service: 'orders', container: 'not-ours' } },
          await act.snapshot(target),
        )
      ).apiCall,
    ).toMatchObject({ body: { inTurn: [originalId, clone] } });
    await expect(
      act.plan(
        { ...req('stop'), labels: { service: 'orders', container: 'not-ours' } },
        await act.snapshot(target),
      ),
    ).rejects.toMatchObject({ code: 'TARGET_UNRESOLVED', field: 'labels.container' });
    await (await act.plan(req('scale_in', 1), await act.snapshot(target))).run();
    expect((await projectContainers()).map((c) => c.Id)).toEqual([originalId]);
  });

  it('refuses to isolate a host-networked container with a clear error', async () => {
    await expect(act.plan(req('isolate'), await act.snapshot(target))).rejects.toMatchObject({
      code: 'ACTION_UNSUPPORTED',
    });
    await expect(act.plan(req('isolate'), await act.snapshot(target))).rejects.toBeInstanceOf(
      RemediatorError,
    );
  });

  describe('through the remediator: failed verification undoes the scale-out, then the next step runs', () => {
    let r: TestRemediator;
    let am: Daemon;
    beforeAll(async () => {
      // verification reads the alert from a real Alertmanager, where it keeps firing
      am = await startAlertmanager();
      r = await startRemediator({
        docker: {},
        alertmanager: { url: am.url },
        policy: {
          defaults: {
            cooldownSeconds: 0,
            verify: {
              timeoutSeconds: 2,
              stableSeconds: 0,
              intervalSeconds: 0.2,
              requireResolved: true,
              scoreQuery: '',
            },
          },
          rules: [
            {
              name: 'cpu',
              match: { alertname: 'HomeostatAnomaly' },
              replicas: { min: 1, max: 2 },
              target: {
                actuator: 'docker',
                kind: 'compose-service',
                name: '{{service}}',
                namespace: '{{compose_project}}',
              },
              allow: ['orders'],
              ladder: [{ action: 'scale_out' }, { action: 'restart' }],
            },
          ],
        },
      });
    });
    afterAll(async () => {
      await r?.close();
      await am?.stop({ removeDir: true });
    });

    it('records scale_out rolled back (clone removed) and a restart', async () => {
      const startedAt = (await docker.getContainer(originalId).inspect()).State.StartedAt;
      const a = alert({ compose_project: project });
      a.fingerprint = await fireInAlertmanager(am.url, a.labels);
      expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).status).toBe(202);
      await waitFor(
        'a clone',
        async () => (await projectContainers()).some((c) => c.Labels[CLONE_LABEL] === 'true'),
        { timeoutMs: 30_000 },
      );
      await r.engine.idle();
      const inc = r.store.incidents(0, Date.now()).find((i) => i.fingerprint === a.fingerprint)!;
      expect(inc.actions.map((x) => [x.action, x.result, x.verification])).toEqual([
        ['scale_out', 'rolled_back', 'failed'],
        ['restart', 'succeeded', 'failed'],
        ['notify', 'skipped', 'not_applicable'],
      ]);
      expect(inc.actions[2]!.reason).toMatch(/^ladder_exhausted/);
      expect(inc.status).toBe('escalated');
      expect(inc.actions[0]!.before).toMatchObject({ replicas: 1 });
      expect(inc.actions[0]!.after).toMatchObject({ replicas: 2 });
      expect((await projectContainers()).map((c) => c.Id)).toEqual([originalId]);
      expect((await docker.getContainer(originalId).inspect()).State.StartedAt).not.toBe(startedAt);
      await resolveInAlertmanager(am.url, a.labels);
    });
  });
});
