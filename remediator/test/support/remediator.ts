import { join } from 'node:path';
import { makeTempDir } from '@homeostat/testkit';
import pino from 'pino';
import { parseConfig } from '../../src/config';
import { createRemediator, type Remediator, type RemediatorOverrides } from '../../src/remediator';

export const TOKEN = 'test-token-0123456789';
/** The audit API's reader credential (what the Grafana datasource holds). */
export const READER_TOKEN = 'reader-token-0123456789';
/** Approvals and the kill switch. */
export const OPERATOR_TOKEN = 'operator-token-0123456789';
/** A policy that never acts: for tests of the HTTP surface. */
export const INERT_POLICY = {
  rules: [
    {
      name: 'r',
      match: { alertname: 'Never' },
      target: { actuator: 'process', kind: 'process-group', name: 'x' },
      allow: ['x'],
      ladder: [{ action: 'restart' }],
    },
  ],
};
export const asReader = { authorization: `Bearer ${READER_TOKEN}` };
export const asOperator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
export const FIXTURE = join(__dirname, '..', 'fixtures', 'tiny-server.js');

export interface TestRemediator extends Remediator {
  url: string;
  dbFile: string;
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }>;
}

/** An in-process remediator on 127.0.0.1:0 with a temp SQLite file and the three tokens above. */
export async function startRemediator(
  config: Record<string, unknown>,
  o: RemediatorOverrides & { dbFile?: string } = {},
): Promise<TestRemediator> {
  const dbFile = o.dbFile ?? join(makeTempDir('remediator'), 'audit.db');
  const loaded = parseConfig(
    {
      server: { port: 0, logLevel: 'silent' },
      auth: {
        bearerTokens: [{ value: TOKEN }],
        readerTokens: [{ value: READER_TOKEN }],
        operatorTokens: [{ value: OPERATOR_TOKEN }],
      },
      storage: { file: dbFile },
      ...config,
    },
    __dirname,
  );
  const r = await createRemediator(loaded, {
    log: pino({ level: process.env.REMEDIATOR_TEST_LOG ?? 'silent' }),
    ...o,
  });
  const url = await r.listen();
  return {
    ...r,
    url,
    dbFile,
    async post(path, body, headers = { authorization: `Bearer ${TOKEN}` }) {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep text
      }
      return { status: res.status, body: parsed };
    },
  };
}
