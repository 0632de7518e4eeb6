import { metricNature } from './root-cause/metric-kind';

/** Robust deviations of a demand feature from its trailing median that count as demand moving. */
export const DEMAND_Z = 5;

export interface DemandContextState {
  /** Points left during which demand counts as having risen / fallen. */
  up: number;
  down: number;
}

/**
 * Demand is context, not a fault. Traffic comes from callers and clients: twice the requests on a
 * service that keeps its latency and errors is a healthy service, and the CPU (or any resource) it
 * spends serving them rises with it. Judged one by one, both alarmed under a stress load with no
 * fault (a soak raised 11 remediating alerts in 30 minutes: request rate beyond its range on the
 * backends, CPU on the gateway), and the remediator scaled out and then restarted a healthy
 * service.
 *
 * Per point this names the features that may not raise an alarm on their own:
 * - the demand features (traffic by their name, metric-kind.ts), always, when the entity has any
 *   other feature (a detector of traffic alone is asked about traffic and alarms on it);
 * - the resource features (saturation by name: CPU, memory, disk, connections) while they move the
 *   way demand moved: demand beyond its range, or `DEMAND_Z` robust deviations from its trailing
 *   median, marks its direction for `holdPoints` points (the robust z's window: the time a resource
 *   that follows demand takes to be learned as well). A CPU that rises while demand holds or falls
 *   (a runaway loop slowing the requests it serves) is still a fault.
 *
 * Latency and errors are never context: a service slower or failing under more demand is
 * overloaded, and that is an alarm (the remediator's ladder reads `request_rate` beside
 * `latency_p95` in its `features` annotation and scales out). A context feature still counts
 * beside a fault signal: it is learned, scored and attributed as before; it only cannot carry the
 * alarm alone.
 */
export class DemandContext {
  private readonly demand: boolean[];
  private readonly resources: boolean[];
  private up = 0;
  private down = 0;
  /** Per metric, whether the last point's value is context (reused buffer). */
  readonly context: boolean[];

  constructor(
    readonly features: readonly string[],
    readonly holdPoints: number,
    choice: { demand?: readonly string[]; resources?: readonly string[] } = {},
  ) {
    const demand = choice.demand ?? features.filter((f) => metricNature(f).kind === 'traffic');
    const resources = choice.resources ?? features.filter((f) => metricNature(f).kind === 'saturation');
    const other = features.some((f) => !demand.includes(f));
    this.demand = features.map((f) => other && demand.includes(f));
    this.resources = features.map((f, m) => !this.demand[m] && resources.includes(f));
    this.context = features.map(() => false);
  }

  /** Whether any feature can be context at all (no demand feature: the stage is a no-op). */
  get active(): boolean {
    return this.demand.some(Boolean);
  }

  /**
   * Marks the context of one point from each stage's verdict on it: `rangeSide` (1 above the
   * range, -1 below, 0 in it) and the robust z with the side of the median it lies on (null when
   * the stage is off). Returns `context`.
   */
  update(
    rangeSide: ArrayLike<number>,
    z: ArrayLike<number> | null,
    zSide: ArrayLike<number> | null,
  ): boolean[] {
    const dir = (m: number): number => {
      if (rangeSide[m] !== 0) return rangeSide[m];
      if (z && zSide && z[m] >= DEMAND_Z) return zSide[m];
      return 0;
    };
    if (this.up > 0) this.up--;
    if (this.down > 0) this.down--;
    for (let m = 0; m < this.features.length; m++) {
      if (!this.demand[m]) continue;
      const d = dir(m);
      if (d > 0) this.up = this.holdPoints;
      if (d < 0) this.down = this.holdPoints;
    }
    for (let m = 0; m < this.features.length; m++) {
      if (this.demand[m]) {
        this.context[m] = true;
        continue;
      }
      if (!this.resources[m]) {
        this.context[m] = false;
        continue;
      }
      // a resource's own direction: its range verdict, else the side of its median
      const own = rangeSide[m] !== 0 ? rangeSide[m] : zSide ? zSide[m] : 0;
      this.context[m] = (own > 0 && this.up > 0) || (own < 0 && this.down > 0);
    }
    return this.context;
  }

  toJSON(): DemandContextState {
    return { up: this.up, down: this.down };
  }

  restore(s: DemandContextState): void {
    this.up = Math.max(0, Math.trunc(s.up) || 0);
    this.down = Math.max(0, Math.trunc(s.down) || 0);
  }
}
