import { Gauge, type Registry } from 'prom-client';
import { exportedLabelName } from '../metrics';
import type { IncidentMembership, RootCauseVerdict } from './live-root-cause';

export const ROOT_CAUSE_METRIC = 'homeostat_root_cause';
export const INCIDENT_MEMBER_METRIC = 'homeostat_incident_member';

/**
 * Two series per open incident, which vanish when it closes:
 * - `homeostat_root_cause{detector, incident, entity, rank, <entity labels>}` = the ranker's score, for
 *   the incident's top entities;
 * - `homeostat_incident_member{detector, <entity labels>, incident, root_cause}` = 1 for each entity in
 *   the incident, naming its cause (the incident's rank-1 entity, or itself for a fault of its own:
 *   member-cause.ts): what the HomeostatAnomaly alert of that entity
 *   reads into its `root_cause` annotation (provisioning/prometheus/rules/homeostat.yml).
 * Both are their own series, never labels of `homeostat_anomaly_score`: a label that changes
 * mid-incident would change the anomaly alert's identity.
 */
export function registerRootCauseGauges(
  registry: Registry,
  entityLabels: readonly string[],
  source: { verdicts(): Iterable<RootCauseVerdict>; memberships(): Iterable<IncidentMembership> },
): void {
  const names = entityLabels
    .map(exportedLabelName)
    .filter((l) => !['detector', 'incident', 'entity', 'rank', 'root_cause'].includes(l));
  const gauge: Gauge<string> = new Gauge({
    name: ROOT_CAUSE_METRIC,
    help: 'Root-cause ranking of the open incident per detector: the score of each of the top entities (rank 1 = most likely cause).',
    labelNames: ['detector', 'incident', 'entity', 'rank', ...names],
    registers: [registry],
    collect() {
      gauge.reset();
      for (const v of source.verdicts()) {
        const labels: Record<string, string> = {};
        for (const l of entityLabels) {
          const n = exportedLabelName(l);
          if (names.includes(n)) labels[n] = v.labels[l] ?? '';
        }
        gauge.set(
          { ...labels, detector: v.detector, incident: v.incident, entity: v.entity, rank: String(v.rank) },
          v.score,
        );
      }
    },
  });
  const member: Gauge<string> = new Gauge({
    name: INCIDENT_MEMBER_METRIC,
    help: 'Entities in an open incident (1), with the incident and its rank-1 root cause as labels.',
    labelNames: ['detector', ...names, 'incident', 'root_cause'],
    registers: [registry],
    collect() {
      member.reset();
      for (const m of source.memberships()) {
        const labels: Record<string, string> = {};
        for (const l of entityLabels) {
          const n = exportedLabelName(l);
          if (names.includes(n)) labels[n] = m.labels[l] ?? '';
        }
        member.set({ ...labels, detector: m.detector, incident: m.incident, root_cause: m.rootCause }, 1);
      }
    },
  });
}
