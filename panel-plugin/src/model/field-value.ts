import { Field, formattedValueToString, getValueFormat } from '@grafana/data';

/**
 * A value as Grafana would print it for this field: through the display processor Grafana attaches
 * once field config (unit, decimals) is applied, else the field's own unit (the datasource sets `s`,
 * `percentunit`... on the detector's features).
 */
export function formatFieldValue(field: Field | undefined, value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return '–';
  }
  if (field?.display) {
    return formattedValueToString(field.display(value));
  }
  const unit = field?.config.unit ?? 'none';
  return formattedValueToString(getValueFormat(unit)(value, field?.config.decimals));
}

/** Index of the sample nearest to `t` in ascending `times` (-1 when empty). */
export function nearestIndex(times: number[], t: number): number {
  if (!times.length) {
    return -1;
  }
  let lo = 0;
  let hi = times.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return Math.abs(times[lo] - t) <= Math.abs(times[hi] - t) ? lo : hi;
}
