#!/usr/bin/env node
import { loadConfigFile } from '../config';
import { RemediatorError } from '../errors';
import { createRemediator } from '../remediator';

const USAGE = 'usage: homeostat-remediate serve --config FILE';

function fail(msg: string): never {
  process.stderr.write(`homeostat-remediate: ${msg}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd !== 'serve') fail(cmd ? `unknown command ${cmd}; ${USAGE}` : USAGE);
  const i = rest.indexOf('--config');
  const file = i >= 0 ? rest[i + 1] : undefined;
  if (!file) fail(`--config FILE is required; ${USAGE}`);
  const r = await createRemediator(loadConfigFile(file));
  await r.listen();
  let closing = false;
  const shutdown = (sig: string) => {
    if (closing) return;
    closing = true;
    r.app.log.info({ sig }, 'shutting down');
    r.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof RemediatorError) fail(`${e.code}${e.field ? ` (${e.field})` : ''}: ${e.message}`);
  fail(e instanceof Error ? e.message : String(e));
});
