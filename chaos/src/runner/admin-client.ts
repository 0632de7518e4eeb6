import { ChaosError } from '../errors';

/** The ground truth the demo admin API returns for a fault (docs/architecture.md). */
export interface FaultAck {
  fault: string;
  startedAt: number;
  endsAt: number;
}

export interface FaultWindowInfo {
  fault: string;
  startedAt: number;
  endsAt: number;
  active: boolean;
  endedBy?: string;
}

/** Client of one demo process's token-protected admin API. */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async inject(fault: string, body: Record<string, unknown>): Promise<FaultAck> {
    const res = await this.call('POST', `/admin/faults/${fault}`, body);
    const j = (await res.json()) as Partial<FaultAck>;
    if (typeof j.startedAt !== 'number' || typeof j.endsAt !== 'number') {
      throw new ChaosError('ADMIN_API_FAILED', `POST ${this.baseUrl}/admin/faults/${fault}: no startedAt/endsAt in ${JSON.stringify(j)}`);
    }
    return { fault: j.fault ?? fault, startedAt: j.startedAt, endsAt: j.endsAt };
  }

  /** Stops a fault; returns its closed window, or null when it had already ended (409/404). */
  async clear(fault: string): Promise<FaultWindowInfo | null> {
    const res = await this.call('DELETE', `/admin/faults/${fault}`, undefined, [404, 409]);
    if (!res.ok) return null;
    const j = (await res.json().catch(() => null)) as Partial<FaultWindowInfo> | null;
    return j && typeof j.startedAt === 'number' && typeof j.endsAt === 'number'
      ? { fault, startedAt: j.startedAt, endsAt: j.endsAt, active: false, endedBy: j.endedBy }
      : null;
  }

  /** Active and past windows of the process; null when it does not answer (down, crashed). */
  async faults(): Promise<FaultWindowInfo[] | null> {
    try {
      const res = await fetch(`${this.baseUrl}/admin/faults`, { headers: this.headers(), signal: AbortSignal.timeout(2000) });
      if (!res.ok) return null;
      return parseFaultList(await res.json());
    } catch {
      return null;
    }
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' };
  }

  private async call(method: string, path: string, body: unknown, tolerated: number[] = []): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? { authorization: `Bearer ${this.token}` } : this.headers(),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
    } catch (e) {
      throw new ChaosError('ADMIN_API_FAILED', `${method} ${this.baseUrl}${path}: ${(e as Error).message}`, { cause: e });
    }
    if (!res.ok && !tolerated.includes(res.status)) {
      const text = await res.text().catch(() => '');
      throw new ChaosError('ADMIN_API_FAILED', `${method} ${this.baseUrl}${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    }
    return res;
  }
}

/** `{ active: [...], history: [...] }` (or a bare list) of fault windows. */
export function parseFaultList(body: unknown): FaultWindowInfo[] {
  const lists: unknown[] = [];
  if (Array.isArray(body)) lists.push(...body);
  else if (body && typeof body === 'object') {
    const o = body as Record<string, unknown>;
    for (const k of ['active', 'history', 'faults']) if (Array.isArray(o[k])) lists.push(...(o[k] as unknown[]));
  }
  return lists
    .filter((w): w is Record<string, unknown> => !!w && typeof w === 'object')
    .filter((w) => typeof w.startedAt === 'number' && typeof w.endsAt === 'number')
    .map((w) => ({
      fault: String(w.fault),
      startedAt: w.startedAt as number,
      endsAt: w.endsAt as number,
      active: w.active === true,
      endedBy: typeof w.endedBy === 'string' ? w.endedBy : undefined,
    }));
}
