import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Target } from '@homeostat/contracts';
import { freePort, makeTempDir } from '@homeostat/testkit';
import { ProcessActuator } from '../src/actuators/process';
import { readIdentity } from '../src/actuators/process-identity';
import { FIXTURE } from './support/remediator';

jest.setTimeout(60_000);

const target: Target = { actuator: 'process', kind: 'process-group', name: 'orders' };
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const answers = async (port: number) => {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
};

/** Real child processes (no gateway): what the process actuator creates, removes and signals. */
describe('process actuator: replicas and pids by identity', () => {
  const strays: ChildProcess[] = [];
  const actuators: ProcessActuator[] = [];
  const make = async (stateDir?: string, port?: number, replicasFrom?: number) => {
    const p = port ?? (await freePort());
    const from = replicasFrom ?? (await freePort());
    const act = new ProcessActuator({
      groups: [
        {
          name: 'orders',
          command: [process.execPath, FIXTURE, '{port}'],
          env: {},
          ports: [p],
          replicaPorts: { from, to: from + 4 },
          readyPath: '/healthz',
          readyTimeoutSeconds: 20,
          cacheUrl: 'http://127.0.0.1:{port}/admin/cache',
          autostart: true,
        },
      ],
      ...(stateDir ? { stateDir } : {}),
    });
    actuators.push(act);
    await act.start();
    return { act, port: p };
  };
  const req = (action: 'scale_out' | 'scale_in', desiredReplicas: number) => ({
    action,
    target,
    params: {},
    incidentId: 'i',
    labels: { service: 'orders' },
    desiredReplicas,
  });
  afterAll(async () => {
    for (const a of actuators) await a.close();
    for (const c of strays) c.kill('SIGKILL');
  });

  it('undo of a scale-out removes exactly the replicas it spawned, once', async () => {
    const { act, port } = await make();
    const beforeA = await act.snapshot(target);
    const afterA = await (await act.plan(req('scale_out', 2), beforeA)).run();
    const afterB = await (await act.plan(req('scale_out', 3), afterA)).run();
    const [pa] = afterA.spawned as number[];
    const [pb] = afterB.spawned as number[];
    expect(await act.undo(req('scale_out', 2), beforeA, afterA)).toMatchObject({ method: 'DELETE' });
    expect((await act.snapshot(target)).ports).toEqual([port, pb]);
    expect(await answers(pa!)).toBe(false);
    expect(await answers(pb!)).toBe(true);
    // the same undo again (a retry, a resumed undo) removes nothing else
    expect(await act.undo(req('scale_out', 2), beforeA, afterA)).toBeNull();
    expect((await act.snapshot(target)).ports).toEqual([port, pb]);
    // scaling in to the current count removes nothing (slice(-0) used to remove every extra)
    const same = await (await act.plan(req('scale_in', 2), await act.snapshot(target))).run();
    expect(same.removed).toEqual([]);
    expect(await answers(pb!)).toBe(true);
  });

  it('never signals a pid whose process is not the replica its pid file recorded', async () => {
    const dir = makeTempDir('pids');
    const port = await freePort();
    const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    strays.push(stranger);
    // an old-style pid file (bare pid) and one whose identity does not match: both name the stranger
    writeFileSync(`${dir}/process-orders-${port}.pid`, String(stranger.pid));
    const { act } = await make(dir, port);
    expect(alive(stranger.pid!)).toBe(true);
    await act.close();
    const wrong = { ...readIdentity(stranger.pid!)!, startTicks: '1' };
    writeFileSync(`${dir}/process-orders-${port}.pid`, JSON.stringify(wrong));
    await make(dir, port);
    expect(alive(stranger.pid!)).toBe(true);
  });

  it('reaps replicas a dead remediator left behind, spawned ones included, by identity', async () => {
    const dir = makeTempDir('orphans');
    const [port, from] = [await freePort(), await freePort()];
    const { act: first } = await make(dir, port, from);
    const spawned = await (await first.plan(req('scale_out', 2), await first.snapshot(target))).run();
    const oldPids = first.pids('orders');
    expect(oldPids).toHaveLength(2);
    // the first remediator "dies" without cleaning up (it is never closed): a new one starts
    actuators.splice(actuators.indexOf(first), 1);
    const { act: second } = await make(dir, port, from);
    for (const pid of oldPids) expect(alive(pid)).toBe(false);
    expect(await answers((spawned.spawned as number[])[0]!)).toBe(false);
    expect(second.pids('orders')).toHaveLength(1);
  });
});
