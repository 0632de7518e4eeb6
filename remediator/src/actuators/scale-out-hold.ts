import type { ActuatorKind, ScaleBack, Target } from '@homeostat/contracts';

/**
 * One replica a scale-out added and the hold gave back: written as it is to the audit record
 * `scale_back`, which the timeline shows (the shape is the contracts' ScaleBack).
 */
export type GiveBack = ScaleBack;

type Log = { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };

export interface ScaleOutHoldOptions {
  /** How long a replica added by scale_out is kept, from the scale-out (cover verify.timeoutSeconds). */
  holdSeconds: number;
  /** Period of the sweep that gives back replicas past their hold. */
  sweepSeconds?: number;
  now?: () => number;
  /** Checked before each give-back: only the leader acts, and nothing while the kill switch is engaged. */
  mayAct?: () => boolean;
  /**
   * Whether an incident holds the target now (its claim spans the action, its verification and an
   * undo): nothing is given back from under it, and a scale-out still being verified keeps its replica.
   */
  targetBusy?: (target: Target) => boolean;
  /** Whether this remediator's state knows the incident (Docker: another remediator's clones are not ours). */
  ownsIncident?: (incidentId: string) => boolean;
  /** Each replica given back, right after its removal (the remediator writes the audit record and a counter). */
  onGiveBack?: (g: GiveBack) => void;
  /** A give-back that failed (retried on the next sweep). */
  onFailure?: (actuator: ActuatorKind, err: unknown) => void;
  log?: Log;
}

/** What an actuator's give-back sees of the hold: the guards to check before each replica, and where to report. */
export interface SweepContext {
  now: number;
  mayAct(): boolean;
  targetBusy(target: Target): boolean;
  ownsIncident(incidentId: string): boolean;
  given(g: GiveBack): void;
  failed(actuator: ActuatorKind, replica: string, err: unknown): void;
}

/**
 * Extra capacity is borrowed, not kept: the scaling that an incident needed is given back once its
 * hold ends, as the Kubernetes actuator gives back a raised HPA floor (hpa-floor.ts) and as an HPA
 * scales down after its stabilization window. Without it, a fleet that scaled out once per incident
 * stays at `replicas.max`, and the next incident's `scale_out` is skipped (`at_max_replicas`) for
 * the ladder's next step: the wrong action.
 *
 * Guards: the leader only, never with the kill switch engaged, never while an incident holds the
 * target (so never during an action, its verification or an undo), and one replica per target per
 * sweep, so capacity steps down rather than falling. A fault that outlives the hold raises its alert
 * again and is scaled out again. The timer and the guards live here; what "past its hold" means and
 * how a replica is removed is each actuator's (`giveBack`): processes keep it in memory, Docker on
 * the clone's labels.
 */
export class ScaleOutHold {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<GiveBack[]> | null = null;
  private stopped = false;

  constructor(
    private readonly actuator: ActuatorKind,
    private readonly o: ScaleOutHoldOptions,
  ) {}

  now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** When a replica added now is given back (epoch ms). */
  until(): number {
    return this.now() + this.o.holdSeconds * 1000;
  }

  /** One sweep (never two at once). Returns what was given back; failures are reported and retried. */
  sweep(giveBack: (ctx: SweepContext) => Promise<void>): Promise<GiveBack[]> {
    if (this.running || this.stopped) return Promise.resolve([]);
    const given: GiveBack[] = [];
    const ctx: SweepContext = {
      now: this.now(),
      mayAct: () => !this.stopped && (this.o.mayAct?.() ?? true),
      targetBusy: (t) => this.o.targetBusy?.(t) ?? false,
      ownsIncident: (id) => this.o.ownsIncident?.(id) ?? true,
      given: (g) => {
        given.push(g);
        this.o.log?.info({ ...g }, 'scale-out hold ended; replica given back');
        try {
          this.o.onGiveBack?.(g);
        } catch (e) {
          this.o.log?.warn({ err: e, ...g }, 'could not record a give-back');
        }
      },
      failed: (actuator, replica, err) => {
        this.o.log?.warn(
          { err, actuator, replica },
          'could not give back a scaled-out replica; retried on the next sweep',
        );
        this.o.onFailure?.(actuator, err);
      },
    };
    const run = (async () => {
      try {
        if (ctx.mayAct()) await giveBack(ctx);
      } catch (e) {
        ctx.failed(this.actuator, '', e); // e.g. listing the clones failed: reported once
      }
      return given;
    })();
    // cleared once settled (a sweep that did nothing settles at once, before this line)
    this.running = run;
    void run.then(() => {
      if (this.running === run) this.running = null;
    });
    return run;
  }

  /** Sweeps every `sweepSeconds` until stop(); the timer does not keep the process alive. */
  start(giveBack: (ctx: SweepContext) => Promise<void>): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.sweep(giveBack), (this.o.sweepSeconds ?? 5) * 1000);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress (before leadership is released at shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
