import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the remediator exports, on its own Registry (never prom-client's global one). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'homeostat_remediator_' });
  const registers = [registry];
  return {
    registry,
    notifications: new Counter({
      name: 'homeostat_remediator_notifications_total',
      help: 'Webhook notifications received, by source and outcome (accepted, rejected, unauthorized)',
      labelNames: ['source', 'outcome'] as const,
      registers,
    }),
    alerts: new Counter({
      name: 'homeostat_remediator_alerts_total',
      help: 'Alerts in accepted notifications: new, or duplicates of (fingerprint, startsAt, status) already seen',
      labelNames: ['dedupe'] as const,
      registers,
    }),
    actions: new Counter({
      name: 'homeostat_remediator_actions_total',
      help: 'Remediation actions by action and result',
      labelNames: ['action', 'result'] as const,
      registers,
    }),
    givenBack: new Counter({
      name: 'homeostat_remediator_replicas_given_back_total',
      help: 'Replicas a scale_out added and its hold gave back (process replicas, Docker clones)',
      labelNames: ['actuator'] as const,
      registers,
    }),
    giveBackFailures: new Counter({
      name: 'homeostat_remediator_give_back_failures_total',
      help: 'Sweeps that could not give back a scaled-out replica (retried on the next sweep)',
      labelNames: ['actuator'] as const,
      registers,
    }),
    verifications: new Counter({
      name: 'homeostat_remediator_verifications_total',
      help: 'Post-action verifications by result (passed, failed, unknown)',
      labelNames: ['result'] as const,
      registers,
    }),
    escalations: new Counter({
      name: 'homeostat_remediator_escalations_total',
      help: 'Incidents handed to humans (silence expired), by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    undoFailures: new Counter({
      name: 'homeostat_remediator_undo_failures_total',
      help: 'Undos that failed: the target is half-restored and the incident failed; alert on any increase',
      labelNames: ['action'] as const,
      registers,
    }),
    mttr: new Histogram({
      name: 'homeostat_remediator_mttr_seconds',
      help: 'Seconds from alert start to verified recovery, per healed incident',
      buckets: [10, 30, 60, 120, 300, 600, 1200, 3600],
      registers,
    }),
    cooldownRemaining: new Gauge({
      name: 'homeostat_remediator_cooldown_remaining_seconds',
      help: 'Seconds until a rule may act again on a target',
      labelNames: ['rule', 'target'] as const,
      registers,
    }),
    budgetRemaining: new Gauge({
      name: 'homeostat_remediator_budget_remaining',
      help: 'Actions a rule may still take in its current budget window',
      labelNames: ['rule'] as const,
      registers,
    }),
    killSwitch: new Gauge({
      name: 'homeostat_remediator_kill_switch',
      help: '1 while the global kill switch is engaged (no action is taken)',
      registers,
    }),
    leader: new Gauge({
      name: 'homeostat_remediator_leader',
      help: '1 while this replica holds the leader Lease (only the leader acts)',
      registers,
    }),
    jobsPending: new Gauge({
      name: 'homeostat_remediator_jobs_pending',
      help: 'Accepted alerts whose job no replica has decided yet: the persisted backlog, read at scrape',
      registers,
    }),
    queueDepth: new Gauge({
      name: 'homeostat_remediator_queue_depth',
      help: 'Alerts accepted but not yet processed',
      registers,
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
