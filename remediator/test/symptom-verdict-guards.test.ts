import { createServer, type Server } from 'node:http';
import { startPostgres, waitFor, type PostgresDaemon } from '@homeostat/testkit';
import { alert, webhook } from './support/payload';
import { RecordingActuator } from './support/recording-actuator';
import { startRemediator, type TestRemediator } from './support/remediator';

jest.setTimeout(60_000);

// A Prometheus stand-in whose /api/v1/alerts answer each test sets (and can hold open): the states
// a real one shows only by chance (pending, two rules with one label set, a read slower than a stop).
type PromAlert = { labels: Record<string, string>; annotations: Record<string, string>; state: string };
let answer: (labels: Record<string, string>) => PromAlert[] = () => [];
let held: (() => void) | null = null;
let hold = false;
let server: Server;
let promUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const send = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.url?.startsWith('/api/v1/status/config'))
      return send({ status: 'success', data: { yaml: 'global: {}\n' } });
    if (req.url?.startsWith('/api/v1/query'))
      return send({ status: 'success', data: { resultType: 'vector', result: [] } });
    if (req.url?.startsWith('/api/v1/alerts')) {
      const out = () => send({ status: 'success', data: { alerts: answer(LABELS) } });
      if (hold && !held) {
        held = out; // answered when the test says so
        return;
      }
      return out();
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  promUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

const LABELS = { alertname: 'HomeostatAnomaly', service: 'orders', severity: 'warning', remediate: 'true' };
const ann = (root: string) => ({ top_feature: 'errors', root_cause: root });
const POLICY = {
  defaults: { verify: { timeoutSeconds: 60, stableSeconds: 0, intervalSeconds: 1, scoreQuery: '' } },
  rules: [
    {
      name: 'errors',
      match: { alertname: 'HomeostatAnomaly', top_feature: 'errors' },
      target: { actuator: 'process', kind: 'process-group', name: '{{service}}' },
      allow: ['orders'],
      ladder: [{ action: 'restart' }],
    },
  ],
};

async function skipped(r: TestRemediator) {
  const a = alert({}, { labels: LABELS, annotations: ann('gateway') });
  a.labels = { ...LABELS };
  expect((await r.post('/api/v1/alerts/alertmanager', webhook([a]))).status).toBe(202);
  await r.engine.idle();
  const inc = r.store.incidents(0, Date.now() + 1e12)[0]!;
  expect(inc.actions.map((x) => x.result)).toEqual(['skipped']);
  return inc.id;
}
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const waitOn = (r: TestRemediator, id: string) =>
  (r.store.db.prepare('SELECT wait_on AS w FROM incidents WHERE id = ?').get(id) as { w: string | null }).w;

/**
 * A remediator reading the stand-in Prometheus (and `state`, when given), with one alert skipped as
 * a symptom of the gateway; `body` runs with it, and it is closed whatever happens.
 */
async function withSymptom(
  body: (r: TestRemediator, act: RecordingActuator, id: string) => Promise<void>,
  state?: Record<string, unknown>,
): Promise<void> {
  const act = new RecordingActuator();
  answer = (l) => [{ labels: l, annotations: ann('gateway'), state: 'firing' }];
  const r = await startRemediator(
    { prometheus: { url: promUrl }, ...(state ? { state } : {}), policy: POLICY },
    { actuators: { process: act } },
  );
  try {
    await body(r, act, await skipped(r));
  } finally {
    await r.close();
  }
}

describe("a symptom's verdict read again: what must not make it act", () => {
  afterEach(() => {
    hold = false;
    held = null;
  });

  it('without an alert reader, a symptom is not decided again every verification interval', async () => {
    const act = new RecordingActuator();
    const r = await startRemediator({ policy: POLICY }, { actuators: { process: act } });
    try {
      await skipped(r);
      await sleep(3_500);
      const inc = r.store.incidents(0, Date.now() + 1e12)[0]!;
      // one skip per verify.timeoutSeconds (60 s), as before verdicts were read
      expect(inc.actions).toHaveLength(1);
      expect(waitOn(r, inc.id)).toBe('time');
    } finally {
      await r.close();
    }
  });

  it('a pending alert of the same labels (a new episode) does not make the open incident act', async () => {
    await withSymptom(async (_r, act) => {
      // Prometheus resolved the alert; the condition returns, the rule holds it pending (for: 5m)
      answer = (l) => [{ labels: l, annotations: ann('orders'), state: 'pending' }];
      await sleep(3_000);
      expect(act.runs).toHaveLength(0);
    });
  });

  it('two rules (groups) holding an alert of the same labels: an ambiguous verdict is not acted on', async () => {
    await withSymptom(async (_r, act) => {
      answer = (l) => [
        { labels: l, annotations: ann('orders'), state: 'firing' },
        { labels: l, annotations: ann('gateway'), state: 'firing' },
      ];
      await sleep(3_000);
      expect(act.runs).toHaveLength(0);
    });
  });

  it('one evaluation naming the alert itself is no verdict: it acts once two reads in a row agree', async () => {
    await withSymptom(async (r, act, id) => {
      let reads = 0;
      answer = (l) => [
        { labels: l, annotations: ann(++reads === 1 ? 'orders' : 'gateway'), state: 'firing' },
      ];
      await waitFor('four reads', () => reads >= 4);
      expect(act.runs).toHaveLength(0);
      expect(waitOn(r, id)).toBe('verdict');
      answer = (l) => [{ labels: l, annotations: ann('orders'), state: 'firing' }];
      await waitFor('the restart of orders', () => act.runs.length === 1);
    });
  });

  it('the detector closing its incident (empty root_cause and top_feature) does not end the symptom', async () => {
    await withSymptom(async (r) => {
      answer = (l) => [{ labels: l, annotations: { top_feature: '', root_cause: '' }, state: 'firing' }];
      await sleep(3_000);
      const inc = r.store.incidents(0, Date.now() + 1e12)[0]!;
      expect(inc.status).not.toBe('escalated');
      expect(inc.actions.map((x) => x.reason)).toEqual([expect.stringMatching(/symptom/)]);
    });
  });

  it('a read in flight when the engine stops writes nothing: the incident stays owned by its wait', async () => {
    await withSymptom(async (r, act, id) => {
      // the new verdict read once already: the next read would end the wait
      let reads = 0;
      answer = (l) => (reads++, [{ labels: l, annotations: ann('orders'), state: 'firing' }]);
      await waitFor('one read of the new verdict', () => reads >= 1);
      hold = true;
      await waitFor('a read in flight', () => held !== null);
      // close() stops the engine, then releases the PostgreSQL leadership, then closes the store:
      // the next leader's recover() runs meanwhile and takes the incident by its 'verdict' wait
      await r.engine.stop();
      answer = (l) => [{ labels: l, annotations: ann('orders'), state: 'firing' }];
      held!(); // the stopped engine's read answers now
      await sleep(500);
      const kinds = (
        r.store.db.prepare('SELECT kind FROM audit WHERE incident_id = ? ORDER BY seq').all(id) as {
          kind: string;
        }[]
      ).map((x) => x.kind);
      expect(kinds).not.toContain('annotations');
      expect(waitOn(r, id)).toBe('verdict');
    });
  });
});

describe("a symptom's verdict read again, on PostgreSQL", () => {
  let pg: PostgresDaemon;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(() => pg?.stop({ removeDir: true }));

  it("the 'verdict' wait parks, re-reads unchanged, and ends on a changed verdict", async () => {
    await withSymptom(
      async (r, act, id) => {
        const until = () =>
          Number(
            (
              r.store.db.prepare('SELECT wait_until AS u FROM incidents WHERE id = ?').get(id) as {
                u: unknown;
              }
            ).u,
          );
        const u0 = until();
        await waitFor('a repark', () => until() > u0);
        expect(waitOn(r, id)).toBe('verdict');
        answer = (l) => [{ labels: l, annotations: ann('orders'), state: 'firing' }];
        await waitFor('the restart of orders', () => act.runs.length === 1);
        const kinds = (
          r.store.db.prepare('SELECT kind FROM audit WHERE incident_id = ? ORDER BY seq').all(id) as {
            kind: string;
          }[]
        ).map((x) => x.kind);
        expect(kinds.filter((k) => k === 'annotations')).toHaveLength(1);
      },
      { url: pg.connectionUrl, pollMs: 50 },
    );
  });
});
