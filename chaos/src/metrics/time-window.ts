/** A closed time interval in Unix milliseconds. */
export interface TimeWindow {
  start: number;
  end: number;
}

export function overlaps(a: TimeWindow, b: TimeWindow): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export function contains(w: TimeWindow, t: number): boolean {
  return t >= w.start && t <= w.end;
}

/** Extends each window's end by `graceMs`: effects (1 m rates, restarts) outlast the fault itself. */
export function withGrace(windows: readonly TimeWindow[], graceMs: number): TimeWindow[] {
  return windows.map((w) => ({ start: w.start, end: w.end + graceMs }));
}
