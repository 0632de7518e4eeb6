/** Maps Unix ms onto [0, width] px for the panel's time range; chart and timeline share it so they line up. */
export interface TimeScale {
  from: number;
  to: number;
  width: number;
  x(t: number): number;
  /** Tick times for an axis: a round step giving about one label per 90 px. */
  ticks(): number[];
}

const STEPS_S = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

export function timeScale(from: number, to: number, width: number): TimeScale {
  const span = Math.max(1, to - from);
  return {
    from,
    to,
    width,
    x: (t) => ((t - from) / span) * width,
    ticks() {
      const want = Math.max(2, Math.floor(width / 90));
      const stepMs = (STEPS_S.find((s) => (span / 1000) / s <= want) ?? 86400) * 1000;
      const out: number[] = [];
      for (let t = Math.ceil(from / stepMs) * stepMs; t <= to; t += stepMs) {
        out.push(t);
      }
      return out;
    },
  };
}

/** Maps values onto [height, 0] px (SVG y grows downwards). */
export function valueScale(min: number, max: number, height: number): (v: number) => number {
  const span = max - min || 1;
  return (v) => height - ((v - min) / span) * height;
}

/** An SVG path through the points, broken where a value is missing. */
export function linePath(times: number[], values: Array<number | null>, x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < times.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(times[i]).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}
