import fc from 'fast-check';
import { AlertmanagerWebhook } from '@homeostat/contracts';
import { alert, webhook } from './support/payload';
import { startRemediator, TOKEN, type TestRemediator } from './support/remediator';

jest.setTimeout(180_000);

type Case = { body: string; contentType: string; valid: boolean };

/** Mutates one path of a valid payload: replace with any JSON value, or delete it. */
function mutations(): fc.Arbitrary<Case> {
  const base = webhook([alert({}), alert({ service: 'payments' })]);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    paths.push(p);
    if (v && typeof v === 'object')
      for (const [k, c] of Object.entries(v)) walk(c, [...p, Array.isArray(v) ? Number(k) : k]);
  };
  walk(base, []);
  const mutated = fc
    .tuple(
      fc.constantFrom(...paths.filter((p) => p.length > 0)),
      fc.option(fc.jsonValue(), { nil: undefined }),
      fc.boolean(),
    )
    .map(([path, value, del]) => {
      const copy = structuredClone(base) as unknown as Record<string | number, unknown>;
      let node = copy;
      for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
      const last = path[path.length - 1]!;
      if (del && !Array.isArray(node)) delete node[last];
      else node[last] = value === undefined ? null : value;
      return copy;
    });
  const jsonCase = fc.oneof(mutated, fc.jsonValue(), fc.anything()).map((v): Case => {
    let body: string;
    try {
      body = JSON.stringify(v) ?? 'null';
    } catch {
      body = 'null';
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    return { body, contentType: 'application/json', valid: AlertmanagerWebhook.safeParse(parsed).success };
  });
  const garbage = fc.oneof(
    fc
      .string({ maxLength: 200 })
      .map((s): Case => ({ body: s, contentType: 'application/json', valid: false })),
    fc
      .string({ maxLength: 50 })
      .map((s): Case => ({ body: `{"version":"4",${s}`, contentType: 'application/json', valid: false })),
    fc
      .constantFrom('text/plain', 'application/xml', 'multipart/form-data')
      .map((ct): Case => ({ body: JSON.stringify(base), contentType: ct, valid: false })),
  );
  return fc.oneof({ weight: 3, arbitrary: jsonCase }, { weight: 1, arbitrary: garbage });
}

describe('fuzzed and malformed payloads', () => {
  let r: TestRemediator;
  beforeAll(async () => {
    r = await startRemediator({
      server: { port: 0, logLevel: 'silent', bodyLimitBytes: 64 * 1024 },
      policy: {
        rules: [
          {
            name: 'none',
            match: { alertname: 'NeverMatches' },
            target: { actuator: 'process', kind: 'x', name: 'y' },
            allow: ['y'],
            ladder: [{ action: 'restart' }],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await r?.close();
  });

  it('answers >= 10,000 of them with 4xx naming a field (202 only for valid ones) and keeps serving', async () => {
    const cases = fc.sample(mutations(), { numRuns: 10_000, seed: 42 });
    cases.push({
      body: JSON.stringify({ pad: 'x'.repeat(100 * 1024) }),
      contentType: 'application/json',
      valid: false,
    });
    const bad: string[] = [];
    let i = 0;
    let valid = 0;
    const worker = async () => {
      while (i < cases.length) {
        const c = cases[i++]!;
        const n = i;
        const headers = { 'content-type': c.contentType, authorization: `Bearer ${TOKEN}` };
        // Every 10th case goes over a real loopback socket; the rest through fastify's inject()
        // (same parser, body limit, validation and handler), which keeps 10,000 cases fast.
        let status: number;
        let body: { code?: string; field?: string } | null;
        if (n % 10 === 0) {
          const res = await fetch(`${r.url}/api/v1/alerts/alertmanager`, {
            method: 'POST',
            headers,
            body: c.body,
          });
          status = res.status;
          body = (await res.json().catch(() => null)) as typeof body;
        } else {
          const res = await r.app.inject({
            method: 'POST',
            url: '/api/v1/alerts/alertmanager',
            headers,
            payload: c.body,
          });
          status = res.statusCode;
          try {
            body = res.json();
          } catch {
            body = null;
          }
        }
        const res = { status };
        if (c.valid) {
          valid++;
          if (res.status !== 202) bad.push(`valid payload got ${res.status}: ${c.body.slice(0, 100)}`);
        } else if (
          res.status < 400 ||
          res.status >= 500 ||
          !body?.code ||
          typeof body.field !== 'string' ||
          body.field === ''
        ) {
          bad.push(`${res.status} ${JSON.stringify(body)} for ${c.body.slice(0, 100)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(bad.slice(0, 5)).toEqual([]);
    expect(cases.length - valid).toBeGreaterThanOrEqual(10_000 * 0.9);
    expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
    await r.engine.idle();
  });
});
