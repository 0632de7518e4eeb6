/** One alert as Alertmanager listed it (GET /api/v2/alerts). */
export interface SeenAlert {
  alertname: string;
  service: string;
  state: string;
  firstSeen: number;
}

/**
 * Polls Alertmanager's alert list every second while a run goes on: resolved alerts disappear from
 * it, so "Alertmanager had the alert" needs someone watching at the time.
 */
export class AlertmanagerWatch {
  readonly seen: SeenAlert[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly url: string) {}

  start(): this {
    this.timer = setInterval(() => void this.poll(), 1000);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** First time Alertmanager listed `alertname` for `service` at or after `from`, or null. */
  firstSeen(alertname: string, service: string, from: number): number | null {
    const hit = this.seen.find((a) => a.alertname === alertname && a.service === service && a.firstSeen >= from);
    return hit ? hit.firstSeen : null;
  }

  /** Alertmanager's count of webhook notifications it delivered (its own /metrics). */
  async webhookNotifications(): Promise<{ sent: number; failed: number }> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const sum = (name: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) && l.includes('integration="webhook"'))
        .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    return { sent: sum('alertmanager_notifications_total'), failed: sum('alertmanager_notifications_failed_total') };
  }

  private async poll(): Promise<void> {
    try {
      const res = await fetch(`${this.url}/api/v2/alerts`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) return;
      const alerts = (await res.json()) as { labels: Record<string, string>; status: { state: string } }[];
      const now = Date.now();
      for (const a of alerts) {
        const alertname = a.labels.alertname ?? '';
        const service = a.labels.service ?? '';
        if (!this.seen.some((s) => s.alertname === alertname && s.service === service && now - s.firstSeen < 60_000)) {
          this.seen.push({ alertname, service, state: a.status.state, firstSeen: now });
        }
      }
    } catch {
      // Alertmanager busy for a moment: the next poll catches up
    }
  }
}
