import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeTempDir, spawnDaemon, waitFor } from '@homeostat/testkit';

jest.setTimeout(60_000);
const FLEET = join(__dirname, '..', 'dist', 'bin', 'fleet.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('fleet.js starts the gateway and three backends, routes to each, and stops them all on SIGTERM', async () => {
  const [g, o, p, i] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const dir = makeTempDir('demo-fleet');
  const d = spawnDaemon(
    process.execPath,
    [
      FLEET,
      '--gateway-port',
      String(g),
      '--orders-port',
      String(o),
      '--payments-port',
      String(p),
      '--inventory-port',
      String(i),
    ],
    { dir, port: g, url: `http://127.0.0.1:${g}`, name: 'fleet' },
  );
  const exited = new Promise<number | null>((r) => d.child.once('exit', (code) => r(code)));
  try {
    const lines = () =>
      readFileSync(d.logFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; service: string; pid: number; gateway?: string });
    const ready = await waitFor('fleet ready', () => lines().find((l) => l.msg === 'fleet ready'), {
      timeoutMs: 30_000,
    });
    expect(ready.gateway).toBe(`http://127.0.0.1:${g}`);
    for (const [path, service] of [
      ['/api/orders/1', 'orders'],
      ['/api/payments/2', 'payments'],
      ['/api/inventory/3', 'inventory'],
    ]) {
      const res = await fetch(`http://127.0.0.1:${g}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ service });
    }
    const ups = (await (
      await fetch(`http://127.0.0.1:${g}/admin/upstreams`, {
        headers: { authorization: 'Bearer homeostat-dev-token' },
      })
    ).json()) as {
      services: Record<string, Array<{ url: string }>>;
    };
    expect(ups.services.orders[0].url).toBe(`http://127.0.0.1:${o}`);
    const pids = lines()
      .filter((l) => l.msg.endsWith('listening') && l.msg !== 'Server listening')
      .map((l) => l.pid);
    expect(pids).toHaveLength(4);
    expect(pids.every(alive)).toBe(true);

    d.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor('children gone', () => pids.every((pid) => !alive(pid)), { timeoutMs: 10_000 });
  } finally {
    await d.stop({ removeDir: true });
  }
});

test('a bad option is one line on stderr and exit code 2', () => {
  const r = spawnSync(process.execPath, [FLEET, '--base-port', 'lots'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual(['homeostat demo fleet: --base-port: "lots" is not a number']);
  const b = spawnSync(
    process.execPath,
    [join(__dirname, '..', 'dist', 'bin', 'backend.js'), '--service', 'billing'],
    { encoding: 'utf8', timeout: 20_000 },
  );
  expect(b.status).toBe(2);
  expect(b.stderr).toMatch(/^homeostat demo backend: --service: /);
});
