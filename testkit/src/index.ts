export { freePort } from './free-port';
export { waitFor } from './wait-for';
export { makeTempDir, spawnDaemon, type Daemon } from './daemon';
export { startPrometheus, type PrometheusDaemon, type PrometheusOptions, type ScrapeTarget } from './prometheus';
export { startAlertmanager, type AlertmanagerOptions } from './alertmanager';
export { buildNodeImage, type NodeImageOptions } from './node-image';
export { startPostgres, type PostgresDaemon, type PostgresOptions } from './postgres';
export { openApiOperations, type OpenApiOperation } from './openapi-operations';
export { promtool, testRules, type RuleTestCase } from './promtool';
