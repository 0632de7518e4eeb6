import { DemoError } from './errors';
import { UpstreamPool, type UpstreamSource } from './upstream-pool';

const SERVICE = /^[a-z][a-z0-9-]{0,62}$/;

/** The gateway's routing table: one replica pool per backend service. */
export class UpstreamRegistry {
  private readonly pools = new Map<string, UpstreamPool>();

  services(): string[] {
    return [...this.pools.keys()].sort();
  }

  get(service: string): UpstreamPool | undefined {
    return this.pools.get(service);
  }

  /** The pool of `service`, created on first use (adding a replica of a new service is allowed). */
  ensure(service: string): UpstreamPool {
    if (!SERVICE.test(service))
      throw new DemoError('BAD_REQUEST', `invalid service name "${service}"`, 400, 'service');
    let p = this.pools.get(service);
    if (!p) {
      p = new UpstreamPool(service);
      this.pools.set(service, p);
    }
    return p;
  }

  /** A discovery source's full view: services it no longer lists lose that source's replicas. */
  applySource(source: UpstreamSource, byService: Record<string, string[]>): void {
    for (const [service, pool] of this.pools) if (!(service in byService)) pool.setSource(source, []);
    for (const [service, urls] of Object.entries(byService)) this.ensure(service).setSource(source, urls);
  }

  snapshot(): Record<string, ReturnType<UpstreamPool['list']>> {
    const out: Record<string, ReturnType<UpstreamPool['list']>> = {};
    for (const s of this.services()) out[s] = this.pools.get(s)!.list();
    return out;
  }
}
