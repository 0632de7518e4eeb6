#!/usr/bin/env node
import { readOptions } from '../cli-options';
import { DemoError } from '../errors';
import { FleetConfig, startFleet } from '../fleet';
import { createLogger } from '../logger';

// node demo/dist/bin/fleet.js [--base-port 9080] [--gateway-port 8080 --orders-port 8101 ...] [--host 127.0.0.1]
void (async () => {
  const log = createLogger('fleet');
  let config: FleetConfig;
  try {
    config = readOptions(
      process.argv.slice(2),
      process.env,
      [
        { key: 'host', type: 'string', env: 'HOMEOSTAT_HOST' },
        { key: 'basePort', type: 'number', env: 'HOMEOSTAT_FLEET_BASE_PORT' },
        { key: 'gatewayPort', type: 'number' },
        { key: 'ordersPort', type: 'number' },
        { key: 'paymentsPort', type: 'number' },
        { key: 'inventoryPort', type: 'number' },
        { key: 'startTimeoutMs', type: 'number' },
      ],
      FleetConfig,
    );
  } catch (e) {
    process.stderr.write(`homeostat demo fleet: ${e instanceof DemoError ? e.message : String(e)}\n`);
    process.exit(2);
  }
  const fleet = startFleet(config, { binDir: __dirname, log });
  // handlers go in before the members are healthy: a Ctrl-C during start-up must not orphan them
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping fleet');
    void fleet.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await fleet.ready;
  } catch (e) {
    if (stopping) return;
    process.stderr.write(`homeostat demo fleet: ${(e as Error).message}\n`);
    process.exit(1);
  }
  log.info(
    { gateway: fleet.gateway.url, backends: Object.fromEntries(fleet.backends.map((b) => [b.name, b.url])) },
    'fleet ready',
  );
})();
