import { readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:https';

/** The TLS options of the query API (PrometheusConfig.tls). */
export interface TlsOptions {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
  insecureSkipVerify: boolean;
}

/** What the client reads of an answer, the same for fetch and for this transport. */
export interface PlainResponse {
  status: number;
  header(name: string): string | null;
  text: string;
}

/**
 * POSTs over node:https with a CA, a client certificate and a server name (Node's fetch has no
 * per-request TLS options without the undici package). The agent keeps connections alive and is
 * rebuilt when one of the files changes, so a rotated certificate is used from the next request.
 */
export class TlsTransport {
  private agent: Agent | null = null;
  private stamp = '';

  constructor(private readonly opts: TlsOptions) {
    this.current(); // unreadable files stop start-up, like an unreadable token file
  }

  private current(): Agent {
    const files = [this.opts.caFile, this.opts.certFile, this.opts.keyFile].filter((f): f is string => !!f);
    const stamp = files.map((f) => `${f}:${statSync(f).mtimeMs}`).join('|');
    if (!this.agent || stamp !== this.stamp) {
      this.agent?.destroy();
      const read = (f?: string) => (f ? readFileSync(f) : undefined);
      this.agent = new Agent({
        keepAlive: true,
        ca: read(this.opts.caFile),
        cert: read(this.opts.certFile),
        key: read(this.opts.keyFile),
        servername: this.opts.serverName,
        rejectUnauthorized: !this.opts.insecureSkipVerify,
      });
      this.stamp = stamp;
    }
    return this.agent;
  }

  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<PlainResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.current(),
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          signal,
          ...(this.opts.serverName ? { servername: this.opts.serverName } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              header: (name) => {
                const v = res.headers[name.toLowerCase()];
                return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
              },
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}
