#!/usr/bin/env node
import { adminTokenFromEnv } from '../admin-auth';
import { readOptions } from '../cli-options';
import { createGateway } from '../gateway-app';
import { GatewayConfig } from '../gateway-config';
import { createLogger } from '../logger';
import { runService } from '../run-service';
import { tracingFromEnv } from '../tracing';

// node demo/dist/bin/gateway.js --port 8080 --upstream orders=http://127.0.0.1:8101 --upstream payments=...
runService('gateway', async () => {
  const config = readOptions(
    process.argv.slice(2),
    process.env,
    [
      { key: 'host', type: 'string', env: 'HOMEOSTAT_HOST' },
      { key: 'port', type: 'number', env: 'PORT' },
      { key: 'upstream', type: 'list', env: 'HOMEOSTAT_UPSTREAMS' },
      { key: 'upstreamsFile', type: 'string', env: 'HOMEOSTAT_UPSTREAMS_FILE' },
      { key: 'dns', type: 'list', env: 'HOMEOSTAT_UPSTREAM_DNS' },
      { key: 'dnsIntervalMs', type: 'number', env: 'HOMEOSTAT_DNS_INTERVAL_MS' },
      { key: 'fileIntervalMs', type: 'number', env: 'HOMEOSTAT_FILE_INTERVAL_MS' },
      { key: 'ejectMs', type: 'number', env: 'HOMEOSTAT_EJECT_MS' },
      { key: 'upstreamTimeoutMs', type: 'number', env: 'HOMEOSTAT_UPSTREAM_TIMEOUT_MS' },
    ],
    GatewayConfig,
  );
  const log = createLogger('gateway');
  const gateway = await createGateway(config, {
    log,
    adminToken: adminTokenFromEnv(process.env, log),
    tracing: tracingFromEnv(process.env, 'gateway', log),
  });
  return { log, app: gateway.app, host: config.host, port: config.port, close: () => gateway.close() };
});
