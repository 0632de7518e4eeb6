/**
 * Sliding-window trackers behind the business gauges. Both keep one bucket per second over the
 * window, so memory is bounded whatever the traffic.
 */
export class ActiveUsers {
  private readonly lastSeen = new Map<string, number>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxUsers = 100_000,
  ) {}

  seen(user: string, now = Date.now()): void {
    this.lastSeen.delete(user);
    this.lastSeen.set(user, now);
    if (this.lastSeen.size > this.maxUsers) this.lastSeen.delete(this.lastSeen.keys().next().value as string);
  }

  count(now = Date.now()): number {
    // Map iteration is in last-seen order, so expired users sit at the front
    for (const [user, t] of this.lastSeen) {
      if (t > now - this.windowMs) break;
      this.lastSeen.delete(user);
    }
    return this.lastSeen.size;
  }
}

export class AvailabilityWindow {
  private readonly ok: number[];
  private readonly total: number[];
  private readonly second: number[];

  constructor(private readonly windowSeconds = 60) {
    this.ok = new Array<number>(windowSeconds).fill(0);
    this.total = new Array<number>(windowSeconds).fill(0);
    this.second = new Array<number>(windowSeconds).fill(-1);
  }

  record(success: boolean, now = Date.now()): void {
    const s = Math.floor(now / 1000);
    const i = s % this.windowSeconds;
    if (this.second[i] !== s) {
      this.second[i] = s;
      this.ok[i] = 0;
      this.total[i] = 0;
    }
    this.total[i]++;
    if (success) this.ok[i]++;
  }

  /** Share of successful requests in the window; 1 when there was no traffic (nothing failed). */
  ratio(now = Date.now()): number {
    const s = Math.floor(now / 1000);
    let ok = 0;
    let total = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      if (this.second[i] > s - this.windowSeconds) {
        ok += this.ok[i];
        total += this.total[i];
      }
    }
    return total === 0 ? 1 : ok / total;
  }
}
