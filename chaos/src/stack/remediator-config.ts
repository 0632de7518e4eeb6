import type { FleetActuator } from './fleet';

/**
 * A `features` annotation (every feature carrying a fifth of the score) that names neither demand
 * (request_rate) nor saturation (cpu); empty does not match (rules without the annotation, or a
 * score spread thin), so those alerts keep the scale-out-first ladder.
 */
export const SAME_DEMAND = '(?!(?:.*,)?(?:request_rate|cpu)(?:,|$)).+';

/** Per replica (`instance`) of the alert's service, over the last 15 s: the demo job's series. */
const PER_REPLICA = {
  errors:
    'sum by (instance) (rate(http_requests_total{job="demo",service="{{service}}",code=~"5.."}[15s])) / ' +
    'sum by (instance) (rate(http_requests_total{job="demo",service="{{service}}"}[15s]))',
  latency: 'histogram_quantile(0.95, sum by (instance, le) (rate(http_request_duration_seconds_bucket{job="demo",service="{{service}}"}[15s])))',
  // as the detector reads memory (detector-config.ts): a replica younger than 45 s grows while it
  // warms up, so it is left unranked rather than taken for the leaking one
  memory:
    'deriv(process_resident_memory_bytes{job="demo",service="{{service}}"}[30s]) and on (instance) ' +
    '(time() - process_start_time_seconds{job="demo",service="{{service}}"} > 45)',
  disk: 'deriv(demo_scratch_used_bytes{job="demo",service="{{service}}"}[15s])',
  cpu: 'rate(process_cpu_seconds_total{job="demo",service="{{service}}"}[15s])',
};

/**
 * A restart of every replica of a service (its alert names none) replaces first the one the
 * feature behind the alert singles out (the process actuator's `worstFirst`; others ignore it).
 */
const restartWorstFirst = (by: keyof typeof PER_REPLICA) => ({ action: 'restart', params: { worstFirst: PER_REPLICA[by] } });

/**
 * The remediator's config for the stack: webhook bearer token from a file, the fleet's actuator
 * (the process actuator owning the demo backends, or the Docker actuator on their containers), and
 * a policy mapping each alert to an escalation ladder, the same for every fleet.
 */
export function remediatorConfig(i: {
  port: number;
  tokenFile: string;
  storageFile: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  services: readonly string[];
  actuator: FleetActuator;
  /** Replicas each backend starts as (`campaign --replicas`, default 1). */
  replicas?: number;
}): Record<string, unknown> {
  const services = [...i.services];
  // two scale-outs above the start, whatever it is: with a fixed max of 3, backends started as 3
  // could never scale out (every cpu-spike, healed only by scale_out, went to the ladder's restart
  // and counted unhealed), and as 2 one replica held for the give-back put a service at its max
  const maxReplicas = (i.replicas ?? 1) + 2;
  const common = {
    target: i.actuator.target,
    allow: services,
    // a minute, not less: a restarted or new replica's first half minute (JIT, caches, heap growth)
    // reads as anomalous, and acting on it again would restart a service that was just healed
    cooldownSeconds: 60,
    maxAttempts: 3,
    verify: { timeoutSeconds: 120, stableSeconds: 5, intervalSeconds: 1 },
  };
  return {
    server: { host: '127.0.0.1', port: i.port, logLevel: 'warn' },
    // a local test stack: its runner and readiness check read the audit API without a token
    auth: { bearerTokens: [{ file: i.tokenFile }], anonymousReads: true },
    storage: { file: i.storageFile },
    prometheus: { url: i.prometheusUrl },
    alertmanager: { url: i.alertmanagerUrl },
    ...i.actuator.config,
    policy: {
      // one target per service may be healed at once: with the default of 1, a pending verification
      // on one service blocks every other service's healing for the length of a chaos run
      defaults: {
        budget: { maxActions: 20, windowSeconds: 3600 },
        replicas: { min: 1, max: maxReplicas },
        blastRadius: { maxTargets: services.length, maxPercent: 50 },
      },
      rules: [
        // a target that is down has no anomaly score to check: its verification is the alert resolving
        // (as in provisioning/remediator/remediator.yml), not a score that is missing while it restarts
        {
          name: 'target-down',
          match: { alertname: 'HomeostatTargetDown' },
          ladder: [{ action: 'restart' }],
          ...common,
          // a target that is down is never a transient: restart it even soon after another action
          cooldownSeconds: 20,
          verify: { ...common.verify, scoreQuery: '' },
        },
        {
          name: 'memory',
          match: { alertname: 'HomeostatAnomaly', top_feature: 'memory' },
          ladder: [restartWorstFirst('memory'), { action: 'scale_out' }],
          ...common,
        },
        // Demand as context (remediator/README.md): slow answers at the same demand (the alert's
        // `features` name neither request_rate nor cpu) come from the replica itself (a stuck pool,
        // a slow dependency connection, injected latency). A clone beside it leaves half the traffic
        // on the slow one, so the p95 stays where it was until the cause goes away by itself: the
        // replica is replaced first, then capacity added. Both actuators restart a lone replica
        // without a gap (a surge replica or clone serves while it restarts).
        {
          name: 'latency-same-demand',
          match: { alertname: 'HomeostatAnomaly', top_feature: 'latency_p95' },
          matchRe: { features: SAME_DEMAND },
          ladder: [restartWorstFirst('latency'), { action: 'scale_out' }],
          ...common,
        },
        // latency with more requests or CPU (or no `features` to tell): more replicas share the load
        {
          name: 'latency',
          match: { alertname: 'HomeostatAnomaly', top_feature: 'latency_p95' },
          ladder: [{ action: 'scale_out' }, restartWorstFirst('latency')],
          ...common,
        },
        {
          name: 'errors',
          match: { alertname: 'HomeostatAnomaly', top_feature: 'error_ratio' },
          ladder: [restartWorstFirst('errors'), { action: 'scale_out' }],
          ...common,
        },
        // a filling scratch volume: a restart starts the process on an empty one (the files it
        // wrote are removed with it); more replicas would only fill more volumes
        {
          name: 'disk',
          match: { alertname: 'HomeostatAnomaly', top_feature: 'disk' },
          ladder: [restartWorstFirst('disk')],
          ...common,
        },
        {
          name: 'load',
          match: { alertname: 'HomeostatAnomaly' },
          ladder: [{ action: 'scale_out' }, restartWorstFirst('cpu')],
          ...common,
        },
      ],
    },
  };
}
