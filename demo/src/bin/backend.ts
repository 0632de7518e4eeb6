#!/usr/bin/env node
import { adminTokenFromEnv } from '../admin-auth';
import { createBackend } from '../backend-app';
import { BackendConfig } from '../backend-config';
import { readOptions } from '../cli-options';
import { createLogger } from '../logger';
import { runService } from '../run-service';
import { tracingFromEnv } from '../tracing';

// node demo/dist/bin/backend.js --service orders --port 8101 [--host 0.0.0.0] [--workers 16] ...
runService('backend', () => {
  const config = readOptions(
    process.argv.slice(2),
    process.env,
    [
      { key: 'service', type: 'string', env: 'HOMEOSTAT_SERVICE' },
      { key: 'host', type: 'string', env: 'HOMEOSTAT_HOST' },
      { key: 'port', type: 'number', env: 'PORT' },
      { key: 'workers', type: 'number', env: 'HOMEOSTAT_WORKERS' },
      { key: 'queueLimit', type: 'number', env: 'HOMEOSTAT_QUEUE_LIMIT' },
      { key: 'queueTimeoutMs', type: 'number', env: 'HOMEOSTAT_QUEUE_TIMEOUT_MS' },
      { key: 'dbPoolSize', type: 'number', env: 'HOMEOSTAT_DB_POOL_SIZE' },
      { key: 'dbAcquireTimeoutMs', type: 'number', env: 'HOMEOSTAT_DB_ACQUIRE_TIMEOUT_MS' },
      { key: 'cacheEnabled', type: 'boolean', env: 'HOMEOSTAT_CACHE_ENABLED' },
      { key: 'cacheTtlMs', type: 'number', env: 'HOMEOSTAT_CACHE_TTL_MS' },
      { key: 'workScale', type: 'number', env: 'HOMEOSTAT_WORK_SCALE' },
      { key: 'scratchDir', type: 'string', env: 'HOMEOSTAT_SCRATCH_DIR' },
    ],
    BackendConfig,
  );
  const log = createLogger(config.service);
  const backend = createBackend(config, {
    log,
    adminToken: adminTokenFromEnv(process.env, log),
    tracing: tracingFromEnv(process.env, config.service, log),
    exit: (code) => {
      log.fatal({ exitCode: code }, 'crash fault: exiting');
      process.exit(code);
    },
  });
  return { log, app: backend.app, host: config.host, port: config.port, close: () => backend.close() };
});
