/**
 * The metrics a detector's alarm is about: those carrying at least half of the top attribution's
 * share (an alarm driven by two metrics names both). Null when the attributions name none.
 */
export function alarmDrivers(attributions: Readonly<Record<string, number>> | undefined): Set<string> | null {
  const entries = Object.entries(attributions ?? {}).filter(([, s]) => s > 0);
  if (entries.length === 0) return null;
  const top = Math.max(...entries.map(([, s]) => s));
  return new Set(entries.filter(([, s]) => s >= top / 2).map(([m]) => m));
}
