import { createServer, type Server } from 'node:http';

/**
 * The part of Prometheus' HTTP API the remediator's verification reads: instant queries of
 * `ALERTS{alertstate="firing",...}` (one series while `firing`, none after) and
 * `/api/v1/status/config` (no external labels). `onQuery` sees each query before it is answered,
 * so a test can kill the remediator in the middle of a verification.
 */
export class FakePrometheus {
  firing = true;
  queries: string[] = [];
  onQuery: ((expr: string) => void) | null = null;
  url = '';
  private server!: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (u.pathname === '/api/v1/status/config') {
        res.end(JSON.stringify({ status: 'success', data: { yaml: 'global: {}\n' } }));
        return;
      }
      if (u.pathname !== '/api/v1/query') {
        res.writeHead(404).end(JSON.stringify({ status: 'error', error: 'not found' }));
        return;
      }
      const expr = u.searchParams.get('query') ?? '';
      this.queries.push(expr);
      this.onQuery?.(expr);
      const now = Date.now() / 1000;
      const result =
        expr.startsWith('ALERTS{') && this.firing
          ? [{ metric: { __name__: 'ALERTS' }, value: [now, '1'] }]
          : [];
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((ok) => this.server.close(() => ok()));
  }
}
