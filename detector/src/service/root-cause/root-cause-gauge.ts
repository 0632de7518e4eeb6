import { Gauge, type Registry } from 'prom-client';
import { exportedLabelName } from '../metrics';
import type { RootCauseVerdict } from './live-root-cause';

export const ROOT_CAUSE_METRIC = 'homeostat_root_cause';

/**
 * `homeostat_root_cause{detector, incident, entity, rank, <entity labels>}` = the ranker's score, for
 * the top entities of each open incident; the series vanish when it closes. It is its own series,
 * never a label of `homeostat_anomaly_score`: a label that changes mid-incident would change the
 * anomaly alert's identity. The shipped rules read it into the HomeostatAnomaly alert's
 * `root_cause` annotation (provisioning/prometheus/rules/homeostat.yml).
 */
export function registerRootCauseGauge(
  registry: Registry,
  entityLabels: readonly string[],
  verdicts: () => Iterable<RootCauseVerdict>,
): void {
  const names = entityLabels
    .map(exportedLabelName)
    .filter((l) => !['detector', 'incident', 'entity', 'rank'].includes(l));
  const gauge: Gauge<string> = new Gauge({
    name: ROOT_CAUSE_METRIC,
    help: 'Root-cause ranking of the open incident per detector: the score of each of the top entities (rank 1 = most likely cause).',
    labelNames: ['detector', 'incident', 'entity', 'rank', ...names],
    registers: [registry],
    collect() {
      gauge.reset();
      for (const v of verdicts()) {
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
}
