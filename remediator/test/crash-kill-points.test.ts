import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  freePort,
  makeTempDir,
  startPostgres,
  waitFor,
  type Daemon,
  type PostgresDaemon,
} from '@homeostat/testkit';
import { assertBuilt, serveCli } from './support/cli-remediator';
import { FakeKube, type Call } from './support/fake-kube';
import { FakePrometheus } from './support/fake-prometheus';
import { psql } from './support/ha-replicas';
import { alert, webhook } from './support/payload';
import { TOKEN } from './support/remediator';

jest.setTimeout(120_000);

/** The platform's mutating calls on the target: the scale-out and its undo (JSON patches). */
const onScale = (c: Call) =>
  new URL(c.path, 'http://kube').pathname === '/apis/apps/v1/namespaces/shop/deployments/orders/scale';
const isScalePatch = (c: Call) => c.method === 'PATCH' && onScale(c);
const isScaleRead = (c: Call) => c.method === 'GET' && onScale(c);
const isAlertQuery = (expr: string) => expr.startsWith('ALERTS{');

/** Where the remediator keeps its state in one case, and how the test reads it back. */
interface State {
  config: Record<string, unknown>;
  /** Rows of a query, each row's columns joined by '|' (psql's unaligned output). */
  rows(sql: string): string[];
}

const sqliteState = (dir: string): State => {
  const file = join(dir, 'audit.db');
  return {
    config: { storage: { file } },
    rows(sql) {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare(sql).raw().all() as unknown[][]).map((r) =>
          r.map((v) => String(v ?? '')).join('|'),
        );
      } catch (e) {
        if (e instanceof Error && /no such table/.test(e.message)) return [];
        throw e;
      } finally {
        db.close();
      }
    },
  };
};

let pg: PostgresDaemon | null = null;
let databases = 0;
const postgresState = async (dir: string): Promise<State> => {
  pg ??= await startPostgres();
  const name = `kill_points_${++databases}`;
  psql(pg.connectionUrl, `CREATE DATABASE ${name}`);
  const url = pg.connectionUrl.replace(/\/postgres$/, `/${name}`);
  return {
    config: { storage: { file: join(dir, 'unused.db') }, state: { url, pollMs: 100 } },
    rows: (sql) => psql(url, sql).split('\n').filter(Boolean),
  };
};

/**
 * One remediator process (the shipped CLI) acting on a Kubernetes Deployment through the fake API
 * server, verifying through a Prometheus stand-in. The platform itself picks the moment to SIGKILL
 * the remediator: when the actuator's first read of the target arrives (claimed, nothing changed),
 * when its PATCH arrives (applied by the platform, the response never seen), when verification
 * queries ALERTS, when the undo's PATCH arrives. Then the remediator is started again on the same
 * state, and must finish or verify the step without making any call twice.
 */
class World {
  readonly kube = new FakeKube();
  readonly prom = new FakePrometheus();
  readonly dir = makeTempDir('kill-points');
  state!: State;
  port = 0;
  remediator: Daemon | null = null;
  /** Killed by the platform at its chosen call; resolves when the process is gone. */
  killed: Promise<void> | null = null;
  /** The scale-out heals: its PATCH ends the alert (the undo's PATCH as well). */
  heals = false;
  private killAt: ((c: Call) => boolean) | null = null;

  async start(store: 'sqlite' | 'postgres', cooldownSeconds = 0): Promise<void> {
    await this.kube.start();
    this.kube.onCall = (c) => {
      if (this.killAt?.(c)) this.kill();
      if (this.heals && isScalePatch(c)) this.prom.firing = false;
    };
    await this.prom.start();
    this.state = store === 'sqlite' ? sqliteState(this.dir) : await postgresState(this.dir);
    this.port = await freePort();
    this.cooldownSeconds = cooldownSeconds;
    await this.serve();
  }
  private cooldownSeconds = 0;

  async serve(): Promise<void> {
    this.remediator = await this.process('remediator', this.port);
    const child = this.remediator.child;
    this.killed = new Promise((r) => child.once('exit', () => r()));
  }

  /** A second replica on the same PostgreSQL state: a follower until the first one dies. */
  async standby(): Promise<void> {
    this.survivor = await this.process('standby', await freePort());
  }
  survivor: Daemon | null = null;

  private process(name: string, port: number): Promise<Daemon> {
    return serveCli({
      dir: this.dir,
      name,
      config: {
        server: { port, logLevel: 'warn' },
        auth: { bearerTokens: [{ value: TOKEN }] },
        ...this.state.config,
        kubernetes: { kubeconfig: this.kube.kubeconfig, requestTimeoutSeconds: 5 },
        prometheus: { url: this.prom.url },
        policy: {
          silenceWhileHealing: false,
          defaults: {
            cooldownSeconds: this.cooldownSeconds,
            verify: { timeoutSeconds: 3, stableSeconds: 0, intervalSeconds: 0.2, scoreQuery: '' },
          },
          rules: [
            {
              name: 'cpu',
              match: { alertname: 'HomeostatAnomaly' },
              target: { actuator: 'kubernetes', kind: 'deployment', name: '{{service}}', namespace: 'shop' },
              allow: ['orders'],
              replicas: { min: 1, max: 6 },
              ladder: [{ action: 'scale_out', params: { by: 1 } }],
            },
          ],
        },
      },
    });
  }

  /** SIGKILL now, from inside the platform's request handler (before it answers). */
  kill(): void {
    this.remediator?.child.kill('SIGKILL');
  }

  /** The n-th call (1-based) matching `which` kills the remediator before it is served. */
  killOnKube(which: (c: Call) => boolean, n = 1): void {
    let seen = 0;
    this.killAt = (c) => which(c) && ++seen === n;
  }

  async post(a: ReturnType<typeof alert>): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${this.port}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(webhook([a])),
    });
    expect(res.status).toBe(202);
  }

  /** Resolves once the platform has killed the remediator (bounded: fails if it never did). */
  async gone(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error('the kill point was never reached')), 30_000);
    });
    await Promise.race([this.killed, late]).finally(() => clearTimeout(timer));
  }

  async restartAfterKill(): Promise<void> {
    await this.gone();
    this.killAt = null;
    this.prom.onQuery = null;
    await this.serve();
  }

  /** Waits until the incident of `fingerprint` is closed; returns its status. */
  async closed(fingerprint: string): Promise<string> {
    let status = '';
    await waitFor(
      `incident ${fingerprint} closed`,
      () => {
        status =
          this.state.rows(`SELECT status FROM incidents WHERE fingerprint = '${fingerprint}'`)[0] ?? '';
        return ['healed', 'escalated', 'failed', 'resolved'].includes(status);
      },
      { timeoutMs: 30_000 },
    );
    return status;
  }

  /** result|verification|error of each action of the incident, in order. */
  actions(fingerprint: string): string[] {
    return this.state.rows(
      `SELECT a.result || '|' || a.verification FROM actions a JOIN incidents i ON i.id = a.incident_id
       WHERE i.fingerprint = '${fingerprint}' ORDER BY a.started_at`,
    );
  }

  /** Audit records of calls that change the target: actions started and undos started. */
  auditedCalls(): number {
    return Number(
      this.state.rows("SELECT COUNT(*) FROM audit WHERE kind IN ('action_started', 'undo_started')")[0],
    );
  }

  patches(): number {
    return this.kube.calls.filter(isScalePatch).length;
  }

  async stop(): Promise<void> {
    await this.remediator?.stop({ signal: 'SIGKILL' });
    await this.survivor?.stop({ signal: 'SIGKILL' });
    await this.kube.stop();
    await this.prom.stop();
  }
}

const stores = [['sqlite'], ['postgres']] as const;

beforeAll(() => assertBuilt());

describe.each(stores)('kill -9 of the remediator at every point of a step (%s)', (store) => {
  let w: World;
  beforeEach(() => (w = new World()));
  afterEach(() => w?.stop());
  afterAll(async () => {
    await pg?.stop({ removeDir: true });
    pg = null;
  });

  it('before the claim (the step waits out the target cooldown): the restarted remediator acts once', async () => {
    await w.start(store, 4);
    w.heals = true;
    const first = alert({});
    await w.post(first);
    expect(await w.closed(first.fingerprint!)).toBe('healed');
    w.prom.firing = true;
    const second = alert({});
    await w.post(second);
    await waitFor('the second alert parked on the cooldown', () =>
      w.actions(second.fingerprint!).includes('skipped|not_applicable'),
    );
    expect(w.state.rows('SELECT target_key FROM claims')).toEqual([]); // nothing claimed yet
    w.kill();
    await w.restartAfterKill();
    expect(await w.closed(second.fingerprint!)).toBe('healed');
    expect(w.actions(second.fingerprint!)).toEqual(['skipped|not_applicable', 'succeeded|passed']);
    expect(w.patches()).toBe(2); // one per planned step: one per alert
    expect(w.auditedCalls()).toBe(2);
    expect(w.kube.replicas).toBe(4);
  });

  it('after the claim, before any change (the target being read): acts once after restart', async () => {
    await w.start(store);
    w.killOnKube(isScaleRead);
    const a = alert({});
    await w.post(a);
    await w.gone();
    expect(w.state.rows("SELECT COUNT(*) FROM audit WHERE kind = 'claim'")).toEqual(['1']); // it had claimed
    expect(w.patches()).toBe(0);
    w.heals = true;
    await w.restartAfterKill();
    expect(await w.closed(a.fingerprint!)).toBe('healed');
    expect(w.actions(a.fingerprint!)).toEqual(['succeeded|passed']);
    expect(w.patches()).toBe(1);
    expect(w.auditedCalls()).toBe(1);
    expect(w.kube.replicas).toBe(3);
  });

  // The PATCH reached the platform and was applied; the remediator died before it saw the answer.
  it.each([
    ['the alert clears: healed', false, 'healed', 'failed|passed'],
    ['the alert still fires: escalated, not undone', true, 'escalated', 'failed|failed'],
  ])('mid-action (the PATCH applied, its answer lost), %s', async (_n, stillFiring, status, action) => {
    await w.start(store);
    w.killOnKube(isScalePatch);
    const a = alert({});
    await w.post(a);
    await w.gone();
    w.prom.firing = stillFiring;
    await w.restartAfterKill();
    expect(await w.closed(a.fingerprint!)).toBe(status);
    expect(w.actions(a.fingerprint!)).toEqual([action]); // closed as interrupted, verified, never repeated
    expect(w.patches()).toBe(1);
    expect(w.auditedCalls()).toBe(1);
    expect(w.kube.replicas).toBe(3); // the effect stays: what the target is now was not known
  });

  it.each([
    ['the alert clears: healed', false, 'healed', ['succeeded|passed'], 1, 3],
    [
      'the alert still fires: undone once, ladder exhausted',
      true,
      'escalated',
      ['rolled_back|failed', 'skipped|not_applicable'],
      2,
      2,
    ],
  ])('mid-verification (ALERTS queried), %s', async (_n, stillFiring, status, actions, patches, replicas) => {
    await w.start(store);
    w.prom.onQuery = (expr) => {
      if (isAlertQuery(expr)) w.kill();
    };
    const a = alert({});
    await w.post(a);
    await w.gone();
    expect(w.patches()).toBe(1);
    w.prom.firing = stillFiring;
    await w.restartAfterKill();
    expect(await w.closed(a.fingerprint!)).toBe(status);
    expect(w.actions(a.fingerprint!)).toEqual(actions);
    expect(w.patches()).toBe(patches);
    expect(w.auditedCalls()).toBe(patches);
    expect(w.kube.replicas).toBe(replicas);
  });

  it('mid-undo (the undo PATCH applied, its answer lost): not undone twice, escalated', async () => {
    await w.start(store);
    w.killOnKube(isScalePatch, 2); // the alert keeps firing: verification fails, the undo is the 2nd PATCH
    const a = alert({});
    await w.post(a);
    await w.restartAfterKill();
    expect(await w.closed(a.fingerprint!)).toBe('escalated');
    expect(w.actions(a.fingerprint!)).toEqual(['succeeded|failed']);
    expect(w.patches()).toBe(2);
    expect(w.auditedCalls()).toBe(2);
    expect(w.kube.replicas).toBe(2);
  });
});

/**
 * With PostgreSQL state a second replica is already running: it is the one that takes over when
 * the acting replica is killed (no restart), with the same recovery.
 */
describe('kill -9 of the acting replica on PostgreSQL: the surviving replica finishes the step', () => {
  let w: World;
  beforeEach(() => (w = new World()));
  afterEach(() => w?.stop());
  afterAll(async () => {
    await pg?.stop({ removeDir: true });
    pg = null;
  });

  it.each([
    ['mid-action (the PATCH applied, its answer lost)', 'action', 'failed|passed'],
    ['mid-verification (ALERTS queried)', 'verification', 'succeeded|passed'],
  ])('%s: verified and healed by the survivor, one PATCH', async (_n, point, action) => {
    await w.start('postgres');
    await w.standby();
    if (point === 'action') w.killOnKube(isScalePatch);
    else
      w.prom.onQuery = (expr) => {
        if (isAlertQuery(expr)) w.kill();
      };
    const a = alert({});
    await w.post(a);
    await w.gone();
    w.prom.firing = false; // the scale-out healed it
    expect(await w.closed(a.fingerprint!)).toBe('healed');
    expect(w.actions(a.fingerprint!)).toEqual([action]);
    expect(w.patches()).toBe(1);
    expect(w.auditedCalls()).toBe(1);
    expect(w.kube.replicas).toBe(3);
  });
});
