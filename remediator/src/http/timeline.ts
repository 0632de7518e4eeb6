import type { Incident, TimelineEvent } from '@homeostat/contracts';
import type { ScaleBackEntry } from '../store/scale-back-log';

/**
 * The healing timeline the panel draws: alert -> action -> verification/rollback -> resolved, and
 * each give-back of a scale-out's extra capacity (`scale_back`), so a scale-out is seen to end.
 */
export function toTimeline(incidents: Incident[], scaleBacks: ScaleBackEntry[] = []): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const inc of incidents) {
    const base = { incidentId: inc.id, labels: inc.labels };
    out.push({
      ...base,
      time: inc.startsAt,
      endTime: inc.resolvedAt,
      kind: inc.alertname === 'HomeostatAnomaly' ? 'anomaly' : 'alert',
      status: inc.status,
      title: `${inc.alertname} ${inc.labels.service ?? ''}`.trim(),
      detail: {
        fingerprint: inc.fingerprint,
        top_feature: inc.labels.top_feature ?? inc.annotations.top_feature,
        annotations: inc.annotations,
      },
    });
    for (const a of inc.actions) {
      out.push({
        ...base,
        time: a.startedAt,
        endTime: a.finishedAt,
        kind: 'action',
        status: a.result,
        title: `${a.action}${a.target ? ` ${a.target.name}` : ''}`,
        detail: {
          reason: a.reason,
          rule: a.rule,
          step: a.step,
          apiCall: a.apiCall,
          before: a.before,
          after: a.after,
          error: a.error,
        },
      });
      if (a.verifiedAt !== null) {
        out.push({
          ...base,
          time: a.verifiedAt,
          endTime: null,
          kind: a.result === 'rolled_back' ? 'rollback' : 'verification',
          status: a.verification,
          title: `verification ${a.verification}`,
          detail: { actionId: a.id },
        });
      }
    }
    if (inc.resolvedAt !== null) {
      out.push({
        ...base,
        time: inc.resolvedAt,
        endTime: null,
        kind: 'resolved',
        status: inc.status,
        title: 'resolved',
        detail: { mttrSeconds: inc.mttrSeconds },
      });
    }
  }
  for (const { time, scaleBack: s, labels } of scaleBacks) {
    const count = s.replicas ? ` ${s.replicas.before} -> ${s.replicas.after}` : '';
    out.push({
      incidentId: s.incidentId ?? '',
      labels,
      time,
      endTime: null,
      kind: 'scale_back',
      // recorded only once the replica is gone (a failed give-back is retried, not recorded)
      status: 'succeeded',
      title: `scale_back ${s.target.name}${count}`,
      detail: { ...s },
    });
  }
  return out.sort((a, b) => a.time - b.time);
}
