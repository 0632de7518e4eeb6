import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { DemoError } from './errors';

export interface RunnableService {
  log: Logger;
  app: FastifyInstance;
  host: string;
  port: number;
  close: () => Promise<void>;
}

/**
 * The shared main() of the binaries: build, listen, log one "listening" line, stop cleanly on
 * SIGINT/SIGTERM. A configuration error is one line on stderr and exit code 2.
 */
export function runService(what: string, build: () => RunnableService | Promise<RunnableService>): void {
  void (async () => {
    let svc: RunnableService;
    try {
      svc = await build();
    } catch (e) {
      const msg = e instanceof DemoError ? e.message : ((e as Error).stack ?? String(e));
      process.stderr.write(`homeostat demo ${what}: ${msg}\n`);
      process.exit(2);
    }
    const { log, app } = svc;
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      log.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(0), 5000);
      force.unref();
      svc.close().then(
        () => process.exit(0),
        (e: unknown) => {
          log.error({ err: e }, 'error while shutting down');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    try {
      const address = await app.listen({ host: svc.host, port: svc.port });
      log.info({ address, port: (app.server.address() as { port: number }).port }, `${what} listening`);
    } catch (e) {
      process.stderr.write(
        `homeostat demo ${what}: cannot listen on ${svc.host}:${svc.port}: ${(e as Error).message}\n`,
      );
      process.exit(2);
    }
  })();
}
