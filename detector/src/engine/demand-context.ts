import { metricNature } from './root-cause/metric-kind';

/** A demand feature this far from its trailing median (a share of it) has moved: 5 %. */
export const DEMAND_MIN_CHANGE = 0.05;
/**
 * A resource moving up to this many times as far as demand (relative changes) moves with it: a CPU
 * with a fixed cost moves less than its traffic, one under GC pressure somewhat more.
 */
export const RESOURCE_PER_DEMAND = 3;
/**
 * Demand this far above its trailing median (or beyond its range) is named beside an alarm it did
 * not carry: a 10 s rate of steady traffic moves 14 % by quantisation alone.
 */
export const DEMAND_NAMED_CHANGE = 0.25;
/** ... plus this share of its median, so a resource back near its recent level is not judged on noise. */
export const RESOURCE_SLACK = 0.1;

// Demand by name: what counts requests, not any counter or rate (`restarts_total`, `packet_drop_rate`
// and `cache_miss_rate` are fault signals, and metric-kind.ts reads them as traffic).
const DEMAND_NAME = /(request|rps|qps|tps|throughput|traffic|workload|calls|invocation|hits)/i;

/** One point's verdicts from the value stages, per metric. */
export interface PointVerdicts {
  /** 1 above the range seen, -1 below it, 0 in it or not judged. */
  rangeSide: ArrayLike<number>;
  /** The value and the median of its trailing window (NaN: not judged), or null without that stage. */
  values: ArrayLike<number | null>;
  medians: ArrayLike<number> | null;
}

/**
 * Demand is context, not a fault. Traffic comes from callers and clients: twice the requests on a
 * service that keeps its latency and errors is a healthy service, and the CPU (or any resource) it
 * spends serving them rises with it. Judged one by one, both alarmed under a stress load with no
 * fault (a soak raised 11 remediating alerts in 30 minutes: request rate beyond its range on the
 * backends, CPU on the gateway), and the remediator scaled out and then restarted a healthy service.
 *
 * Per point this names the features that may not carry an alarm on their own:
 * - the demand features (by name: requests, rps, throughput, calls...), when the entity has any
 *   other feature (a detector of traffic alone is asked about traffic), unless they are below
 *   everything seen: a service that stops answering, or whose callers are gone, is worth an alarm;
 * - a resource feature (saturation by name: CPU, memory, disk, connections) when demand moved (beyond
 *   its range, or `DEMAND_MIN_CHANGE` from its trailing median) and the resource moved the same way
 *   by no more than `RESOURCE_PER_DEMAND` times as far (changes relative to each one's trailing
 *   median, the same window for both, so they lag alike) plus `RESOURCE_SLACK`. A CPU ten times its
 *   level under a quarter more traffic, or rising while demand holds or falls (a runaway loop), is
 *   still a fault.
 *
 * Latency and errors are never context: a service slower or failing under more demand is
 * overloaded, and that is an alarm (the remediator's ladder reads `request_rate` beside
 * `latency_p95` in its `features` annotation and scales out). A context feature is still learned,
 * scored and attributed; it only cannot carry the alarm alone. Stateless: each point is judged on the
 * stages' verdicts on it, so a replay and the live loop agree and a snapshot carries nothing new.
 */
export class DemandContext {
  private readonly demand: boolean[];
  private readonly resources: boolean[];
  /** Per metric, whether the last point's value is context (reused buffer). */
  readonly context: boolean[];
  /** Per metric, whether it is a demand feature that rose markedly at the last point (reused buffer). */
  readonly risen: boolean[];

  constructor(
    readonly features: readonly string[],
    choice: { demand?: readonly string[]; resources?: readonly string[] } = {},
  ) {
    const demand =
      choice.demand ?? features.filter((f) => metricNature(f).kind === 'traffic' && DEMAND_NAME.test(f));
    const resources = choice.resources ?? features.filter((f) => metricNature(f).kind === 'saturation');
    const other = features.some((f) => !demand.includes(f));
    this.demand = features.map((f) => other && demand.includes(f));
    this.resources = features.map((f, m) => !this.demand[m] && resources.includes(f));
    this.context = features.map(() => false);
    this.risen = features.map(() => false);
  }

  /** Whether any feature can be context at all (no demand feature: a no-op). */
  get active(): boolean {
    return this.demand.some(Boolean);
  }

  /** Marks which of one point's features are context; returns `context`. */
  update(p: PointVerdicts): boolean[] {
    const change = (m: number): number => {
      const v = p.values[m];
      const med = p.medians ? p.medians[m] : NaN;
      return typeof v === 'number' && Number.isFinite(v) && med > 0 ? v / med - 1 : NaN;
    };
    // how far demand moved, and which way: the demand feature that moved most
    let demandDir = 0;
    let demandChange = NaN;
    for (let m = 0; m < this.features.length; m++) {
      if (!this.demand[m]) continue;
      const c = change(m);
      const moved = p.rangeSide[m] !== 0 || Math.abs(c) >= DEMAND_MIN_CHANGE;
      if (!moved) continue;
      if (demandDir === 0 || Math.abs(c) > Math.abs(demandChange)) {
        demandDir = p.rangeSide[m] !== 0 ? p.rangeSide[m] : Math.sign(c);
        demandChange = c;
      }
    }
    for (let m = 0; m < this.features.length; m++) {
      if (this.demand[m]) {
        this.context[m] = p.rangeSide[m] >= 0;
        this.risen[m] = p.rangeSide[m] > 0 || change(m) >= DEMAND_NAMED_CHANGE;
        continue;
      }
      if (!this.resources[m] || demandDir === 0) {
        this.context[m] = false;
        continue;
      }
      const c = change(m);
      const dir = p.rangeSide[m] !== 0 ? p.rangeSide[m] : Math.sign(c);
      const bound = Number.isFinite(demandChange)
        ? RESOURCE_PER_DEMAND * Math.abs(demandChange) + RESOURCE_SLACK
        : Infinity;
      // Without the robust z stage the direction alone decides. With it, a resource whose change
      // cannot be told (a growth rate whose median is 0: memory, disk) is no context: a leak is
      // its own signal, and a 10 s rate of steady traffic moves 14 % by quantisation alone.
      this.context[m] =
        dir === demandDir && (p.medians === null || (Number.isFinite(c) && Math.abs(c) <= bound));
    }
    return this.context;
  }
}
