import type { ActuatorKind } from '@homeostat/contracts';

/** One replica a scale-out added and the hold gave back. */
export interface GiveBack {
  actuator: ActuatorKind;
  /** The target's name (process group, compose service or container). */
  target: string;
  /** The replica given back: its port (process) or container id (docker). */
  replica: string;
  /** The incident whose scale-out added it. */
  incidentId: string | null;
  /** How long it was held, from the scale-out to the give-back. */
  heldSeconds: number;
}

type Log = { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };

export interface ScaleOutHoldOptions {
  /** How long a replica added by scale_out is kept, from the scale-out (cover verify.timeoutSeconds). */
  holdSeconds: number;
  /** Period of the sweep that gives back replicas past their hold. */
  sweepSeconds?: number;
  now?: () => number;
  /** Checked before each give-back: only the replica that leads acts on the platform. */
  mayAct?: () => boolean;
  /** Each replica given back (the remediator writes it to the audit log and a counter). */
  onGiveBack?: (g: GiveBack) => void;
  log?: Log;
}

/**
 * Extra capacity is borrowed, not kept: the scaling that an incident needed is given back once its
 * hold ends, as the Kubernetes actuator gives back a raised HPA floor (hpa-floor.ts) and as an HPA
 * scales down after its stabilization window. Without it, a fleet that scaled out once per incident
 * stays at `replicas.max`, and the next incident's `scale_out` is skipped (`at_max_replicas`) for
 * the ladder's next step: the wrong action. The hold is counted from the scale-out, so a fault that
 * outlives it raises its alert again and is scaled out again (cooldown permitting).
 *
 * The timer and its guards live here; what "past its hold" means and how a replica is removed is
 * each actuator's (`giveBack`), since processes keep it in memory and Docker on the clone's labels.
 */
export class ScaleOutHold {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(private readonly o: ScaleOutHoldOptions) {}

  now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** When a replica added now is given back (epoch ms). */
  until(): number {
    return this.now() + this.o.holdSeconds * 1000;
  }

  /**
   * One sweep: gives back what is past its hold (never two sweeps at once, never while another
   * replica leads). Returns what was given back; a failure is logged and retried on the next sweep.
   */
  async sweep(giveBack: (now: number) => Promise<GiveBack[]>): Promise<GiveBack[]> {
    if (this.running || (this.o.mayAct && !this.o.mayAct())) return [];
    this.running = true;
    try {
      const given = await giveBack(this.now());
      for (const g of given) {
        this.o.log?.info({ ...g }, 'scale-out hold ended; replica given back');
        this.o.onGiveBack?.(g);
      }
      return given;
    } catch (e) {
      this.o.log?.warn({ err: e }, 'could not give back a scaled-out replica; retried on the next sweep');
      return [];
    } finally {
      this.running = false;
    }
  }

  /** Sweeps every `sweepSeconds` until stop(); the timer does not keep the process alive. */
  start(giveBack: (now: number) => Promise<GiveBack[]>): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(giveBack), (this.o.sweepSeconds ?? 5) * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
