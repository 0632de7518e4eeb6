import { execFileSync } from 'node:child_process';
import { buildNodeImage, freePort, makeTempDir, waitFor } from '@homeostat/testkit';
import Docker from 'dockerode';
import type { Target } from '@homeostat/contracts';
import { CLONE_LABEL, DockerActuator } from '../src/actuators/docker';
import { FIXTURE } from './support/remediator';

jest.setTimeout(180_000);

const IMAGE = 'homeostat/remediator-test-node:1';
const tag = `hsid${process.pid}`;
const docker = new Docker();

/** Starts a container of the test image on the host network; returns its id. */
function run(name: string, port: number, extra: string[] = [], cmd = ['node', 'tiny-server.js']): string {
  return execFileSync('docker', [
    'run',
    '-d',
    '--network',
    'host',
    '--name',
    name,
    '--label',
    `${tag}=1`,
    '--env',
    `PORT=${port}`,
    ...extra,
    IMAGE,
    ...cmd,
  ])
    .toString()
    .trim();
}
const healthy = async (port: number) => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
};
const ours = async () =>
  docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${tag}=1`] }) });

/** What the Docker actuator finds, counts, clones and stops: exactly the containers meant. */
describe('Docker actuator: exact names, counted clones, clones that are real replicas', () => {
  const act = new DockerActuator();
  const container = (name: string): Target => ({ actuator: 'docker', kind: 'container', name });
  const req = (t: Target, action: 'scale_out' | 'scale_in' | 'stop', desiredReplicas?: number) => ({
    action,
    target: t,
    params: {},
    labels: {},
    incidentId: 'inc-id',
    ...(desiredReplicas !== undefined ? { desiredReplicas } : {}),
  });

  beforeAll(async () => {
    await buildNodeImage({ tag: IMAGE, files: { '/app/tiny-server.js': FIXTURE } });
  });
  afterAll(async () => {
    const clones = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`io.homeostat.remediator.clone-of`] }),
    });
    for (const c of [...(await ours()), ...clones.filter((c) => c.Names[0]?.includes(tag))])
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('matches a container name exactly: api.1 is not api-1', async () => {
    const port = await freePort();
    run(`${tag}-api-1`, port);
    await waitFor('api-1', () => healthy(port));
    expect((await act.snapshot(container(`${tag}-api.1`))).replicas).toBe(0);
    expect((await act.snapshot(container(`${tag}-api-1`))).replicas).toBe(1);
    expect((await act.snapshot(container(`${tag}-api`))).replicas).toBe(0);
  });

  it('counts the clones of a container target, numbers new ones after them, scales in to a count exactly', async () => {
    const t = container(`${tag}-api-1`);
    const one = await (await act.plan(req(t, 'scale_out', 2), await act.snapshot(t))).run();
    expect(one.replicas).toBe(2);
    const two = await (await act.plan(req(t, 'scale_out', 3), one)).run();
    expect(two.replicas).toBe(3);
    const names = (two.containers as { name: string; clone: boolean }[]).map((c) => c.name);
    expect(names).toEqual([`${tag}-api-1`, `${tag}-api-1-clone-1`, `${tag}-api-1-clone-2`]);
    // scale in to the current count: nothing removed
    const same = await (await act.plan(req(t, 'scale_in', 3), two)).run();
    expect(same.removed).toEqual([]);
    const back = await (await act.plan(req(t, 'scale_in', 1), same)).run();
    expect(back.replicas).toBe(1);
    expect((back.containers as { clone: boolean }[]).every((c) => !c.clone)).toBe(true);
  });

  it('does not record a clone that dies on start as a replica, and removes it', async () => {
    const port = await freePort();
    // the port is in the command: a clone on the host network cannot bind it
    run(`${tag}-fixed-1`, port, [], ['node', 'tiny-server.js', String(port)]);
    await waitFor('fixed-1', () => healthy(port));
    const t = container(`${tag}-fixed-1`);
    const plan = await act.plan(req(t, 'scale_out', 2), await act.snapshot(t));
    await expect(plan.run()).rejects.toMatchObject({ code: 'ACTUATOR_FAILED' });
    const clones = await docker.listContainers({
      all: true,
      filters: JSON.stringify({
        label: [`io.homeostat.remediator.clone-of=${tag}-fixed-1`, `${CLONE_LABEL}=true`],
      }),
    });
    expect(clones).toEqual([]);
  });

  it('refuses to clone a container with a writable mount (two writers on one volume)', async () => {
    const port = await freePort();
    run(`${tag}-vol-1`, port, ['-v', `${makeTempDir('vol')}:/data`]);
    await waitFor('vol-1', () => healthy(port));
    const t = container(`${tag}-vol-1`);
    const plan = await act.plan(req(t, 'scale_out', 2), await act.snapshot(t));
    await expect(plan.run()).rejects.toMatchObject({ code: 'ACTION_UNSUPPORTED' });
    expect((await act.snapshot(t)).replicas).toBe(1);
  });

  it('never "stops" a container that is already down (its undo would start it)', async () => {
    const port = await freePort();
    const id = run(`${tag}-dead-1`, port);
    await waitFor('dead-1', () => healthy(port));
    await docker.getContainer(id).kill({ signal: 'SIGKILL' });
    await waitFor('dead-1 down', async () => !(await docker.getContainer(id).inspect()).State.Running);
    const t = container(`${tag}-dead-1`);
    await expect(act.plan(req(t, 'stop'), await act.snapshot(t))).rejects.toMatchObject({
      code: 'TARGET_UNRESOLVED',
    });
  });
});
