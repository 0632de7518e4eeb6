import type { Labels } from '@homeostat/contracts';

/**
 * Keeps Alertmanager informed while healing: a silence (API v2) on the alert's exact labels for
 * the verification window, expired on success, and on failure so humans get paged at once.
 */
export class AmSilence {
  constructor(
    private readonly baseUrl: string,
    private readonly log: { warn: (o: object, m: string) => void },
  ) {}

  accepts(enabled: boolean): boolean {
    return enabled;
  }

  /** Creates the silence; returns its id, or null when Alertmanager refused (healing goes on). */
  async write(labels: Labels, durationSeconds: number, comment: string): Promise<string | null> {
    const now = Date.now();
    const body = {
      matchers: Object.entries(labels).map(([name, value]) => ({
        name,
        value,
        isRegex: false,
        isEqual: true,
      })),
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + durationSeconds * 1000).toISOString(),
      createdBy: 'homeostat-remediator',
      comment,
    };
    try {
      const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { silenceID: string }).silenceID;
    } catch (e) {
      this.log.warn({ err: e }, 'could not create Alertmanager silence');
      return null;
    }
  }

  async expire(id: string): Promise<void> {
    try {
      const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}/api/v2/silence/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok && res.status !== 404) throw new Error(`HTTP ${res.status}`);
    } catch (e) {
      this.log.warn({ err: e, silenceId: id }, 'could not expire Alertmanager silence');
    }
  }
}
