import { openApiOperations, type OpenApiOperation as Operation } from '@homeostat/testkit';
import {
  asOperator,
  INERT_POLICY,
  asReader,
  READER_TOKEN,
  startRemediator,
  TOKEN,
  type TestRemediator,
} from './support/remediator';

jest.setTimeout(60_000);

const OPEN = ['/metrics', '/healthz', '/readyz', '/openapi.json'];
const policy = INERT_POLICY;

/** The document's operations, `{id}` filled in so each can be called. */
async function operations(url: string): Promise<Operation[]> {
  return (await openApiOperations(url)).map((op) => ({
    ...op,
    path: op.path.replace('{id}', 'some-action'),
  }));
}

const call = (url: string, op: Operation, headers: Record<string, string> = {}) =>
  fetch(`${url}${op.path}${op.method === 'GET' ? `?from=0&to=${Date.now()}` : ''}`, {
    method: op.method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(op.method === 'GET' ? {} : { body: '{}' }),
  });

describe('access control with the default config (three credentials, no anonymous reads)', () => {
  let r: TestRemediator;
  beforeAll(async () => {
    r = await startRemediator({ policy });
  });
  afterAll(() => r.close());

  it('answers 2xx without a credential only on /metrics, /healthz, /readyz and /openapi.json', async () => {
    const ops = await operations(r.url);
    expect(ops.length).toBeGreaterThan(8);
    for (const op of ops) {
      const res = await call(r.url, op);
      if (OPEN.includes(op.path)) {
        expect([op.path, res.status]).toEqual([op.path, 200]);
        expect(op.security).toEqual([]);
      } else {
        expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 401]);
        expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', field: 'authorization' });
        // the document marks every secured operation
        expect(op.security.length).toBeGreaterThan(0);
      }
    }
  });

  it("the reader token (the Grafana datasource's) reads and cannot post, approve or stop", async () => {
    const ops = await operations(r.url);
    for (const op of ops.filter((o) => !OPEN.includes(o.path))) {
      const res = await call(r.url, op, asReader);
      if (op.method === 'GET') expect([op.path, res.status]).toEqual([op.path, 200]);
      else expect([op.method, op.path, res.status]).toEqual([op.method, op.path, 403]);
    }
  });

  it("Alertmanager's token posts alerts and cannot read the audit log", async () => {
    const hook = { authorization: `Bearer ${TOKEN}` };
    const q = `from=0&to=${Date.now()}`;
    expect((await fetch(`${r.url}/api/v1/incidents?${q}`, { headers: hook })).status).toBe(403);
    expect(
      (await fetch(`${r.url}/api/v1/actions?${q}`, { headers: { authorization: 'Bearer x' } })).status,
    ).toBe(401);
    expect((await r.post('/api/v1/alerts/alertmanager', { version: '4', alerts: [] })).status).toBe(400);
    expect(
      (
        await r.post(
          '/api/v1/alerts/alertmanager',
          { version: '4' },
          { authorization: `Bearer ${READER_TOKEN}` },
        )
      ).status,
    ).toBe(403);
    const ks = await fetch(`${r.url}/api/v1/kill-switch`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...asOperator },
      body: JSON.stringify({ engaged: false }),
    });
    expect(ks.status).toBe(200);
  });
});

describe('anonymousReads: true (a local demo)', () => {
  it('serves reads without a credential and still refuses writes', async () => {
    const r = await startRemediator({
      policy,
      auth: { bearerTokens: [{ value: TOKEN }], anonymousReads: true },
    });
    try {
      expect((await fetch(`${r.url}/api/v1/timeline?from=0&to=${Date.now()}`)).status).toBe(200);
      expect((await fetch(`${r.url}/api/v1/kill-switch`)).status).toBe(200);
      const put = await fetch(`${r.url}/api/v1/kill-switch`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ engaged: true }),
      });
      expect(put.status).toBe(401);
    } finally {
      await r.close();
    }
  });
});
