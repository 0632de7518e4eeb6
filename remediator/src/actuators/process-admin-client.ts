import { RemediatorError } from '../errors';

/**
 * The demo gateway's and backends' admin APIs as the process actuator calls them: register and
 * remove and list upstreams, set weights, toggle a backend's cache. Plain fetch with a 5 s bound per call.
 */
export class AdminClient {
  constructor(private readonly gw?: { url: string; token?: string }) {}

  /** `alsoOk`: statuses that already mean the wanted state (404 for a DELETE of a replica gone). */
  async gateway(method: string, path: string, body: unknown, alsoOk: number[] = []): Promise<void> {
    if (!this.gw) return; // no gateway: replicas are reachable on their own ports
    await this.http(method, `${this.gw.url.replace(/\/$/, '')}${path}`, body, this.gw.token, alsoOk);
  }

  /** A gateway admin GET's JSON body; null without a gateway. */
  async gatewayJson(path: string): Promise<unknown> {
    if (!this.gw) return null;
    const target = `${this.gw.url.replace(/\/$/, '')}${path}`;
    const res = await fetch(target, {
      headers: this.gw.token ? { authorization: `Bearer ${this.gw.token}` } : {},
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new RemediatorError('ACTUATOR_FAILED', `GET ${target} answered ${res.status}`);
    try {
      return await res.json();
    } catch (e) {
      throw new RemediatorError('ACTUATOR_FAILED', `GET ${target} did not answer JSON`, { cause: e });
    }
  }

  async http(
    method: string,
    target: string,
    body: unknown,
    token: string | undefined,
    alsoOk: number[] = [],
  ): Promise<void> {
    const res = await fetch(target, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok && !alsoOk.includes(res.status))
      throw new RemediatorError('ACTUATOR_FAILED', `${method} ${target} answered ${res.status}`);
  }
}
