import { base64ToFloat64, float64ToBase64 } from './base64';
import { TrailingRobustZ, type TrailingRobustZState } from './trailing-robust-z';

export interface SeasonalDifferenceState {
  /** Two banks × slots × metrics × (timestamp, value), NaN where nothing was seen; base64 Float64. */
  slots: string;
  z: TrailingRobustZState;
}

/** Slots per period: 5-minute resolution for a day, whatever the scrape interval. */
const SLOTS = 288;

/**
 * How unusual today's change from the same time one period ago (a day by default) is: the robust z
 * of x(t) − x(t − period) against the trailing differences. Most service metrics follow a daily
 * cycle; a missing peak stays inside the range and looks ordinary to the forest, yet differs from
 * yesterday.
 *
 * Memory is bounded whatever the interval: the period is cut into 288 slots and each keeps the last
 * value seen in it, in two banks (this period and the previous one), so x(t − period) is the last
 * value of the same slot one period ago. A value is compared only when that one lies within one
 * slot of exactly one period back (a gap leaves no difference rather than a wrong one).
 */
export class SeasonalDifference {
  private slots: Float64Array;
  private readonly z: TrailingRobustZ;
  private readonly slotMs: number;

  constructor(
    readonly metrics: number,
    readonly periodMs: number,
    points: number,
  ) {
    this.slotMs = periodMs / SLOTS;
    this.slots = new Float64Array(2 * SLOTS * metrics * 2).fill(NaN);
    this.z = new TrailingRobustZ(metrics, points);
  }

  /**
   * |z| of each metric's difference from one period ago (see TrailingRobustZ); null when no value
   * of one period ago is known for any metric (the first period, a gap).
   */
  update(timestampMs: number, values: ArrayLike<number | null>): Float64Array | null {
    const cycle = Math.floor(timestampMs / this.periodMs);
    const slot = Math.min(SLOTS - 1, Math.floor((timestampMs - cycle * this.periodMs) / this.slotMs));
    const at = (bank: number, m: number) => ((bank * SLOTS + slot) * this.metrics + m) * 2;
    const diffs = new Array<number | null>(this.metrics).fill(null);
    let any = false;
    for (let m = 0; m < this.metrics; m++) {
      const v = values[m];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      const p = at((cycle + 1) & 1, m);
      const age = timestampMs - this.slots[p];
      if (Math.abs(age - this.periodMs) <= this.slotMs) {
        diffs[m] = v - this.slots[p + 1];
        any = true;
      }
      const q = at(cycle & 1, m);
      this.slots[q] = timestampMs;
      this.slots[q + 1] = v;
    }
    return any ? this.z.update(diffs) : null;
  }

  toJSON(): SeasonalDifferenceState {
    return { slots: float64ToBase64(this.slots), z: this.z.toJSON() };
  }

  restore(s: SeasonalDifferenceState): void {
    const slots = base64ToFloat64(s.slots);
    if (slots.length !== this.slots.length) throw new Error('seasonal state has the wrong number of slots');
    this.slots = slots;
    this.z.restore(s.z);
  }
}
