import { ActionsResponse, IncidentsResponse, type ActionRecord, type Incident } from '@homeostat/contracts';

/** The remediator's audit API (GET /api/v1/actions and /api/v1/incidents), parsed with the contracts. */
export class RemediatorClient {
  constructor(readonly url: string) {}

  async actions(from: number, to: number, service?: string): Promise<ActionRecord[]> {
    const body = await this.get(`/api/v1/actions?${range(from, to, service)}`);
    return ActionsResponse.parse(body).actions;
  }

  async incidents(from: number, to: number, service?: string): Promise<Incident[]> {
    const body = await this.get(`/api/v1/incidents?${range(from, to, service)}`);
    return IncidentsResponse.parse(body).incidents;
  }

  private async get(path: string): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  }
}

function range(from: number, to: number, service?: string): string {
  return `from=${Math.floor(from)}&to=${Math.ceil(to)}${service ? `&service=${encodeURIComponent(service)}` : ''}`;
}
