import { z } from 'zod';
import { issuePath } from '@homeostat/contracts';
import { DemoError } from './errors';

/** A running fault; `stop` undoes it (frees memory, removes files, releases connections). */
export interface FaultHandle {
  stop(): void | Promise<void>;
}

export interface FaultDefinition<P = unknown> {
  readonly name: string;
  /** zod schema of the POST body minus `durationSeconds`; defaults live here. */
  readonly params: z.ZodType<P>;
  readonly defaultDurationSeconds: number;
  /** Hard ceiling: a forgotten fault always ends on its own. */
  readonly maxDurationSeconds: number;
  start(params: P): FaultHandle | Promise<FaultHandle>;
}

/** Ground truth of one fault activation, all times Unix ms. `endsAt` is planned until it has ended. */
export interface FaultWindow {
  fault: string;
  startedAt: number;
  endsAt: number;
  durationSeconds: number;
  params: Record<string, unknown>;
  /** Set once the fault is over: `stopped` (admin DELETE / replaced) or `expired` (auto-stop). */
  endedBy?: 'stopped' | 'expired' | 'replaced';
  active: boolean;
}

interface Running {
  window: FaultWindow;
  handle: FaultHandle;
  timer: NodeJS.Timeout;
}

const HISTORY_LIMIT = 200;

/**
 * Starts faults with a bounded duration, stops them on request or when their time is up, and
 * keeps the exact start/stop times as ground truth for the chaos runner's MTTD/MTTR figures.
 */
export class FaultScheduler {
  private readonly running = new Map<string, Running>();
  private readonly history: FaultWindow[] = [];

  constructor(
    private readonly definitions: ReadonlyMap<string, FaultDefinition<never>>,
    private readonly hooks: { onChange?: (fault: string, active: boolean) => void; now?: () => number } = {},
  ) {}

  get names(): string[] {
    return [...this.definitions.keys()];
  }

  isActive(fault: string): boolean {
    return this.running.has(fault);
  }

  async start(fault: string, body: unknown): Promise<FaultWindow> {
    const def = this.definitions.get(fault) as FaultDefinition<unknown> | undefined;
    if (!def)
      throw new DemoError(
        'UNKNOWN_FAULT',
        `unknown fault "${fault}"; one of ${this.names.join(', ')}`,
        404,
        'fault',
      );
    const raw = (body ?? {}) as Record<string, unknown>;
    if (typeof raw !== 'object' || Array.isArray(raw))
      throw new DemoError('BAD_REQUEST', 'body must be a JSON object', 400);
    const durationSeconds = parseDuration(raw.durationSeconds, def);
    const { durationSeconds: _d, ...rest } = raw;
    const parsed = def.params.safeParse(rest);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DemoError(
        'BAD_REQUEST',
        `${issuePath(issue.path) || 'body'}: ${issue.message}`,
        400,
        issuePath(issue.path) || undefined,
      );
    }
    if (this.running.has(fault)) await this.finish(fault, 'replaced');
    const handle = await def.start(parsed.data);
    const startedAt = this.now();
    const window: FaultWindow = {
      fault,
      startedAt,
      endsAt: startedAt + Math.round(durationSeconds * 1000),
      durationSeconds,
      params: parsed.data as Record<string, unknown>,
      active: true,
    };
    this.running.set(fault, { window, handle, timer: this.expireAt(fault, window.endsAt) });
    this.hooks.onChange?.(fault, true);
    return { ...window };
  }

  async stop(fault: string): Promise<FaultWindow> {
    if (!this.definitions.has(fault))
      throw new DemoError('UNKNOWN_FAULT', `unknown fault "${fault}"`, 404, 'fault');
    const w = await this.finish(fault, 'stopped');
    if (!w) throw new DemoError('FAULT_NOT_ACTIVE', `fault "${fault}" is not active`, 409, 'fault');
    return w;
  }

  async stopAll(): Promise<void> {
    for (const f of [...this.running.keys()]) await this.finish(f, 'stopped');
  }

  list(): { active: FaultWindow[]; history: FaultWindow[] } {
    return {
      active: [...this.running.values()].map((r) => ({ ...r.window })),
      history: this.history.map((w) => ({ ...w })),
    };
  }

  private async finish(fault: string, endedBy: FaultWindow['endedBy']): Promise<FaultWindow | undefined> {
    const r = this.running.get(fault);
    if (!r) return undefined;
    this.running.delete(fault);
    clearTimeout(r.timer);
    // the window closes when the fault stops acting, i.e. before its cleanup (file removal etc.)
    const endedAt = this.now();
    const w: FaultWindow = { ...r.window, endsAt: endedAt, endedBy, active: false };
    this.history.push(w);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    this.hooks.onChange?.(fault, false);
    await r.handle.stop();
    return { ...w };
  }

  /**
   * Node may run a timer a millisecond before `Date.now()` reaches its due time (libuv rounds its loop clock), and a
   * fault asked for 1.5 s must act for 1.5 s: a timer that fires early is set again for what is left.
   */
  private expireAt(fault: string, endsAt: number): NodeJS.Timeout {
    const timer = setTimeout(
      () => {
        const r = this.running.get(fault);
        if (!r || r.timer !== timer) return;
        const left = endsAt - this.now();
        if (left > 0) r.timer = this.expireAt(fault, endsAt);
        else void this.finish(fault, 'expired');
      },
      Math.max(0, endsAt - this.now()),
    );
    timer.unref();
    return timer;
  }

  private now(): number {
    return (this.hooks.now ?? Date.now)();
  }
}

function parseDuration(v: unknown, def: FaultDefinition<unknown>): number {
  if (v === undefined) return def.defaultDurationSeconds;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new DemoError('BAD_REQUEST', 'durationSeconds must be a positive number', 400, 'durationSeconds');
  }
  if (v > def.maxDurationSeconds) {
    throw new DemoError(
      'BAD_REQUEST',
      `durationSeconds ${v} exceeds the maximum of ${def.maxDurationSeconds} for fault "${def.name}"`,
      400,
      'durationSeconds',
    );
  }
  return v;
}
