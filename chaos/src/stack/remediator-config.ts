export interface ProcessGroupInput {
  name: string;
  command: string[];
  ports: number[];
  replicaPorts: { from: number; to: number };
}

/**
 * The remediator's config for a local chaos run: webhook bearer token from a file, the process
 * actuator owning the demo backends (it starts them, so it can restart and scale them), the gateway
 * for isolate / traffic shift, and a policy mapping each alert to an escalation ladder.
 */
export function remediatorConfig(i: {
  port: number;
  tokenFile: string;
  storageFile: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  gatewayUrl: string;
  adminTokenEnv: string;
  groups: ProcessGroupInput[];
}): Record<string, unknown> {
  const services = i.groups.map((g) => g.name);
  const target = { actuator: 'process', kind: 'process-group', name: '{{service}}' };
  const common = {
    target,
    allow: services,
    cooldownSeconds: 20,
    maxAttempts: 3,
    verify: { timeoutSeconds: 120, stableSeconds: 5, intervalSeconds: 1 },
  };
  return {
    server: { host: '127.0.0.1', port: i.port, logLevel: 'warn' },
    auth: { bearerTokens: [{ file: i.tokenFile }] },
    storage: { file: i.storageFile },
    prometheus: { url: i.prometheusUrl },
    alertmanager: { url: i.alertmanagerUrl },
    process: {
      gateway: { url: i.gatewayUrl, token: { env: i.adminTokenEnv } },
      groups: i.groups.map((g) => ({ ...g, autostart: true })),
    },
    policy: {
      // one target per service may be healed at once: with the default of 1, a pending verification
      // on one service blocks every other service's healing for the length of a chaos run
      defaults: {
        budget: { maxActions: 20, windowSeconds: 3600 },
        replicas: { min: 1, max: 3 },
        blastRadius: { maxTargets: services.length, maxPercent: 50 },
      },
      rules: [
        { name: 'target-down', match: { alertname: 'HomeostatTargetDown' }, ladder: [{ action: 'restart' }], ...common },
        {
          name: 'memory',
          match: { alertname: 'HomeostatAnomaly', top_feature: 'memory' },
          ladder: [{ action: 'restart' }, { action: 'scale_out' }],
          ...common,
        },
        {
          name: 'latency',
          match: { alertname: 'HomeostatAnomaly', top_feature: 'latency_p95' },
          ladder: [{ action: 'scale_out' }, { action: 'cache_enable' }, { action: 'restart' }],
          ...common,
        },
        {
          name: 'errors',
          match: { alertname: 'HomeostatAnomaly', top_feature: 'error_ratio' },
          ladder: [{ action: 'restart' }, { action: 'scale_out' }],
          ...common,
        },
        {
          name: 'load',
          match: { alertname: 'HomeostatAnomaly' },
          ladder: [{ action: 'scale_out' }, { action: 'restart' }],
          ...common,
        },
      ],
    },
  };
}
