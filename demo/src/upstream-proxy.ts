import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A connection-level failure: no HTTP response came back. `refused` means the request never arrived. */
export class UpstreamConnectError extends Error {
  constructor(
    message: string,
    readonly refused: boolean,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

// hop-by-hop headers are the connection's, not the request's (RFC 9110 7.6.1)
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'content-length',
]);

export function forwardableHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP.has(k)) out[k] = v;
  return out;
}

/** Keep-alive connections to the replicas, as a production proxy keeps them. */
export const upstreamAgent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64 });

/** Sends one request to one replica and buffers the answer. */
export function forward(
  base: string,
  opts: {
    method: string;
    path: string;
    headers: Record<string, string | string[]>;
    body?: Buffer;
    timeoutMs: number;
  },
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(opts.path, base.endsWith('/') ? base : `${base}/`);
    const headers = { ...opts.headers };
    if (opts.body && opts.body.length > 0) headers['content-length'] = String(opts.body.length);
    const req = request(
      url,
      { method: opts.method, headers, agent: upstreamAgent, timeout: opts.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', (e) => reject(new UpstreamConnectError(e.message, false, false)));
      },
    );
    req.on('timeout', () =>
      req.destroy(new UpstreamConnectError(`no answer within ${opts.timeoutMs} ms`, false, true)),
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof UpstreamConnectError) reject(e);
      else reject(new UpstreamConnectError(e.message, e.code === 'ECONNREFUSED', false));
    });
    req.end(opts.body && opts.body.length > 0 ? opts.body : undefined);
  });
}
