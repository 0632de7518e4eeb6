import { RollingWindow } from './rolling-stats';

export interface AnomalyLikelihoodOptions {
  /** Samples in the short moving average of scores (default 10). */
  shortWindow?: number;
  /** Samples of moving averages behind the long-run mean and spread (default 1000). */
  longWindow?: number;
  /** Long-run samples needed before a likelihood other than 0.5 is reported (default 100). */
  minSamples?: number;
  /** Floor on the long-run spread, in score units, so a quiet series is not hair-trigger (default 0.05). */
  minStd?: number;
  /**
   * Don't learn from incidents: an average whose log-likelihood score (logLikelihoodScore) is above
   * `excludeAbove` stays out of the long-run history until `acceptAfter` of them in a row make it the
   * new normal. 0 (default) learns every average. Without it a sustained fault fades in 10–20 points:
   * its own averages widen the spread it is judged against. Nothing is held out before the history
   * holds `acceptAfter` averages.
   */
  acceptAfter?: number;
  /** The log-likelihood score above which an average is held out (the pipeline's alarm level). */
  excludeAbove?: number;
}

export interface AnomalyLikelihoodState {
  short: number[];
  long: number[];
  /** The running sums, kept as they were: recomputing them would differ in the last bits. */
  sum?: number;
  sumSq?: number;
  /** Consecutive averages held out of the long-run history (acceptAfter). */
  run?: number;
}

/**
 * Numenta's anomaly likelihood (Ahmad et al. 2017) over any score stream: how improbable the recent
 * short moving average of scores is under the long-run distribution of that average, as a
 * Gaussian tail. A series whose scores are always noisy stops alarming on its own noise; a
 * sustained rise over its own history is what counts.
 */
export class AnomalyLikelihood {
  private readonly shortWindow: number;
  private readonly minSamples: number;
  private readonly minStd: number;
  private readonly acceptAfter: number;
  private readonly excludeAbove: number;
  private run = 0;
  private short: RollingWindow;
  private long: RollingWindow;
  private sum = 0;
  private sumSq = 0;

  constructor(options: AnomalyLikelihoodOptions = {}) {
    this.shortWindow = options.shortWindow ?? 10;
    this.minSamples = options.minSamples ?? 100;
    this.minStd = options.minStd ?? 0.05;
    this.acceptAfter = options.acceptAfter ?? 0;
    this.excludeAbove = options.excludeAbove ?? 0.5;
    this.short = new RollingWindow(this.shortWindow);
    this.long = new RollingWindow(options.longWindow ?? 1000);
  }

  /** True once enough long-run history is kept for the next update to report more than 0.5. */
  get ready(): boolean {
    return this.long.size >= this.minSamples;
  }

  /** Adds a score; returns the likelihood in [0, 1] that the recent scores are anomalous. */
  update(score: number): number {
    this.short.push(score);
    const avg = this.short.mean();
    let likelihood = 0.5;
    if (this.long.size >= this.minSamples) {
      const n = this.long.size;
      const mean = this.sum / n;
      const std = Math.max(this.minStd, Math.sqrt(Math.max(0, this.sumSq / n - mean * mean)));
      likelihood = 1 - gaussianTail((avg - mean) / std);
    }
    // Only a history of at least acceptAfter averages holds anything out: a shorter one has not yet
    // seen the series' ordinary excursions, and holding one out would alarm on it acceptAfter times.
    const holdOut = this.acceptAfter > 0 && this.long.size >= Math.max(this.minSamples, this.acceptAfter);
    if (holdOut && logLikelihoodScore(likelihood) > this.excludeAbove) {
      this.run++;
      if (this.run <= this.acceptAfter) return likelihood;
    } else this.run = 0;
    if (this.long.size === this.long.capacity) {
      const old = this.long.oldest();
      this.sum -= old;
      this.sumSq -= old * old;
    }
    this.long.push(avg);
    this.sum += avg;
    this.sumSq += avg * avg;
    return likelihood;
  }

  toJSON(): AnomalyLikelihoodState {
    return {
      short: this.short.values(),
      long: this.long.values(),
      sum: this.sum,
      sumSq: this.sumSq,
      run: this.run,
    };
  }

  restore(state: AnomalyLikelihoodState): void {
    this.short = RollingWindow.from(this.short.capacity, state.short);
    this.long = RollingWindow.from(this.long.capacity, state.long);
    this.sum = 0;
    this.sumSq = 0;
    for (const v of this.long.values()) {
      this.sum += v;
      this.sumSq += v * v;
    }
    if (typeof state.sum === 'number' && typeof state.sumSq === 'number') {
      this.sum = state.sum;
      this.sumSq = state.sumSq;
    }
    this.run = state.run ?? 0;
  }
}

/** Maps a likelihood onto [0, 1] on a log scale, as NAB's Numenta detector does: 0.99999 → 0.5. */
export function logLikelihoodScore(likelihood: number): number {
  return Math.log(1.0000000001 - likelihood) / Math.log(1.0 - 0.9999999999);
}

/** P(Z > z) for a standard normal Z (Abramowitz–Stegun 7.1.26 erfc, |error| < 1.5e-7). */
export function gaussianTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * erfc : 1 - 0.5 * erfc;
}
