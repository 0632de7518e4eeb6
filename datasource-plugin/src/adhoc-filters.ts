import { AdHocVariableFilter } from '@grafana/data';

/**
 * Grafana's ad-hoc filters (`request.filters`) as label equalities: the Homeostat APIs match labels
 * exactly, so only `=` filters apply; others are listed so the caller can say they were ignored.
 */
export function adhocLabels(filters: AdHocVariableFilter[] | undefined): { labels: Record<string, string>; ignored: AdHocVariableFilter[] } {
  const labels: Record<string, string> = {};
  const ignored: AdHocVariableFilter[] = [];
  for (const f of filters ?? []) {
    if (f.operator === '=' && f.key) {
      labels[f.key] = f.value;
    } else {
      ignored.push(f);
    }
  }
  return { labels, ignored };
}
