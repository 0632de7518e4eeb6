import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort, makeTempDir, waitFor } from '@homeostat/testkit';
import { stringify } from 'yaml';
import { assertBuilt } from './support/cli-remediator';
import { alert, webhook } from './support/payload';
import { asReader, FIXTURE, READER_TOKEN, TOKEN } from './support/remediator';

jest.setTimeout(240_000);

const PKG = join(__dirname, '..');
const CLI = join(PKG, 'dist', 'cli', 'main.js');

describe('kill -9 of the remediator during an action', () => {
  let dir: string;
  let config: string;
  let url: string;
  let child: ChildProcess | null = null;
  let startLog: string;
  let delayFile: string;
  let db: string;

  const serve = async (): Promise<ChildProcess> => {
    const c = spawn(process.execPath, [CLI, 'serve', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.stdout?.on('data', (d: Buffer) => appendFileSync(join(dir, 'remediator.log'), d));
    let err = '';
    c.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await waitFor(`remediator CLI ready (${err})`, async () => (await fetch(`${url}/readyz`)).ok, {
      timeoutMs: 30_000,
    });
    return c;
  };
  const post = (body: unknown) =>
    fetch(`${url}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
  const read = <T>(sql: string): T[] => {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return d.prepare(sql).all() as T[];
    } finally {
      d.close();
    }
  };

  beforeAll(async () => {
    assertBuilt(); // the CLI runs from dist
    dir = makeTempDir('crash');
    startLog = join(dir, 'starts.log');
    delayFile = join(dir, 'delay');
    db = join(dir, 'audit.db');
    writeFileSync(startLog, '');
    const [port, appPort] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    config = join(dir, 'remediator.yml');
    writeFileSync(
      config,
      stringify({
        server: { port, logLevel: 'warn' },
        auth: { bearerTokens: [{ value: TOKEN }], readerTokens: [{ value: READER_TOKEN }] },
        storage: { file: db },
        process: {
          groups: [
            {
              name: 'orders',
              command: [process.execPath, FIXTURE, '{port}'],
              env: { START_LOG: startLog, DELAY_FILE: delayFile },
              ports: [appPort],
              replicaPorts: { from: appPort + 1, to: appPort + 2 },
            },
          ],
        },
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
      }),
    );
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child?.once('exit', r));
    }
    // Children orphaned by the SIGKILL are reaped by the restart; make sure nothing survives the test.
    for (const line of readFileSync(startLog, 'utf8').trim().split('\n').filter(Boolean)) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('loses no audit record and does not repeat the action after restart', async () => {
    child = await serve();
    expect(readFileSync(startLog, 'utf8').trim().split('\n')).toHaveLength(1);
    writeFileSync(delayFile, '5000'); // the restarted replica takes 5 s to come up: the action is in flight
    const body = webhook([alert({})]);
    expect((await post(body)).status).toBe(202);
    await waitFor(
      'the action to be in flight',
      () => read<{ n: number }>("SELECT COUNT(*) AS n FROM actions WHERE phase = 'started'")[0]!.n === 1,
      { timeoutMs: 20_000 },
    );
    // ...and the replacement replica spawned, still in its 5 s start-up: the restart call is mid-way.
    await waitFor(
      'the replacement replica to spawn',
      () => readFileSync(startLog, 'utf8').trim().split('\n').length === 2,
      { timeoutMs: 20_000 },
    );
    const auditBefore = read<{ seq: number; kind: string }>('SELECT seq, kind FROM audit ORDER BY seq');
    expect(auditBefore.map((a) => a.kind)).toEqual(expect.arrayContaining(['alert', 'action_started']));
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    writeFileSync(delayFile, '0');

    child = await serve();
    // Every record written before the crash is still there, in order, and recovery appended to it.
    const auditAfter = read<{ seq: number; kind: string }>('SELECT seq, kind FROM audit ORDER BY seq');
    expect(auditAfter.slice(0, auditBefore.length)).toEqual(auditBefore);
    expect(auditAfter.length).toBeGreaterThan(auditBefore.length);
    const res = await fetch(`${url}/api/v1/actions?from=0&to=${Date.now()}`, { headers: asReader });
    const { actions } = (await res.json()) as {
      actions: { action: string; result: string; error: string | null }[];
    };
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      action: 'restart',
      result: 'failed',
      error: expect.stringMatching(/^interrupted/),
    });
    // Alertmanager re-sends the notification after the crash: still a duplicate, still no new action.
    const again = await post(body);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1 });
    await new Promise((r) => setTimeout(r, 500));
    const after = (await (
      await fetch(`${url}/api/v1/actions?from=0&to=${Date.now()}`, { headers: asReader })
    ).json()) as {
      actions: unknown[];
    };
    expect(after.actions).toHaveLength(1);
    // starts: initial, the interrupted restart, and the fresh replica of the second run; none from a repeat
    expect(readFileSync(startLog, 'utf8').trim().split('\n')).toHaveLength(3);
    const inc = (await (
      await fetch(`${url}/api/v1/incidents?from=0&to=${Date.now()}`, { headers: asReader })
    ).json()) as {
      incidents: { status: string }[];
    };
    // the interrupted restart is verified after the restart (this policy checks nothing more): healed
    expect(inc.incidents[0]?.status).toBe('healed');
  });

  it('exits 2 with one line naming the key when the config is invalid', () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(
      bad,
      stringify({
        auth: { disabled: true },
        policy: {
          rules: [
            {
              name: 'r',
              match: { a: 'b' },
              target: { actuator: 'ssh', kind: 'x', name: 'y' },
              allow: ['y'],
              ladder: [{ action: 'restart' }],
            },
          ],
        },
      }),
    );
    const res = spawnSync(process.execPath, [CLI, 'serve', '--config', bad], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/POLICY_INVALID \(policy\.rules\.0\.target\.actuator\)/);
    const usage = spawnSync(process.execPath, [CLI, 'serve'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--config FILE is required/);
  });
});
