import { ScopedVars } from '@grafana/data';
import { templateValues } from './template-values';

/**
 * A filter field after variables, as the requests to send: `[undefined]` for no filter (empty field,
 * or a variable at "All"), else one entry per selected value.
 */
export function listOf(text: string | undefined, scopedVars: ScopedVars): Array<string | undefined> {
  if (!text?.trim()) {
    return [undefined];
  }
  const v = templateValues(text, scopedVars);
  return v.all || v.values.length === 0 ? [undefined] : v.values;
}

/**
 * Runs one request per filter value and joins the answers. Each gets its own requestId (the query's,
 * suffixed past the first): requests of one run must not cancel each other.
 */
export async function eachOf<T>(
  filters: Array<string | undefined>,
  requestId: string,
  run: (filter: string | undefined, requestId: string) => Promise<T[]>
): Promise<T[]> {
  return (await Promise.all(filters.map((f, i) => run(f, i === 0 ? requestId : `${requestId}-${i}`)))).flat();
}

/** The labels every set has with the same value: what the detector can match on for all of them. */
export function commonLabels(sets: Array<Record<string, string>>): Record<string, string> | undefined {
  const [first, ...rest] = sets;
  const common = Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every((s) => s[k] === v)));
  return Object.keys(common).length ? common : undefined;
}

export function matches(labels: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => labels[k] === v);
}

/** A label set narrowed by more labels; undefined when they ask for different values of one label. */
export function withLabels(set: Record<string, string>, more: Record<string, string>): Record<string, string> | undefined {
  for (const [k, v] of Object.entries(more)) {
    if (k in set && set[k] !== v) {
      return undefined;
    }
  }
  return { ...set, ...more };
}

/** The service filters narrowed by an ad-hoc `service` filter (no filter: just that service). */
export function narrowServices(services: Array<string | undefined>, only: string | undefined): Array<string | undefined> {
  if (only === undefined) {
    return services;
  }
  return services.includes(undefined) ? [only] : services.filter((s) => s === only);
}
