import { connect } from 'node:net';
import { INERT_POLICY, startRemediator, TOKEN, type TestRemediator } from './support/remediator';

jest.setTimeout(60_000);

/**
 * Sends one request with a body over the limit, as a client that writes the whole body before
 * reading does, and returns the status line it got ('' when the connection was dropped first).
 */
function oversized(url: string, bytes: number, path: string, chunked: boolean): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const sock = connect(Number(port), '127.0.0.1');
    let got = '';
    sock.on('data', (b) => (got += b.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    sock.write(
      `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
        `authorization: Bearer ${TOKEN}\r\n` +
        (chunked ? 'transfer-encoding: chunked\r\n\r\n' : `content-length: ${bytes}\r\n\r\n`),
    );
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        const part = chunk.subarray(0, n);
        const framed = chunked
          ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), part, Buffer.from('\r\n')])
          : part;
        if (!sock.write(framed)) return void sock.once('drain', pump);
      }
      if (chunked) sock.write('0\r\n\r\n');
    };
    pump();
  });
}

describe('a body over the limit', () => {
  let r: TestRemediator;
  beforeAll(async () => {
    r = await startRemediator({
      server: { port: 0, logLevel: 'silent', bodyLimitBytes: 64 * 1024 },
      policy: INERT_POLICY,
    });
  });
  afterAll(() => r.close());

  it('gets its 413 before the connection closes, every time, 16 at once', async () => {
    const lines: string[] = [];
    for (let round = 0; round < 5; round++) {
      const sizes = Array.from({ length: 16 }, (_, i) => 4 * 1024 * 1024 + i * 400_000);
      lines.push(
        ...(await Promise.all(
          sizes.map((n, i) => oversized(r.url, n, '/api/v1/alerts/alertmanager', i % 2 === 0)),
        )),
      );
    }
    expect(lines.filter((l) => !l.startsWith('HTTP/1.1 413'))).toEqual([]);
    // the server still answers afterwards
    expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
  });
});
