import { freePort } from '@homeostat/testkit';
import { freePortRange } from './port-range';

/**
 * Hands out loopback ports no other part of one stack got. freePort() releases the port it found,
 * so two calls can return the same one: the pool remembers what it gave.
 */
export class PortPool {
  private readonly taken = new Set<number>();

  async next(): Promise<number> {
    for (;;) {
      const p = await freePort();
      if (!this.taken.has(p)) {
        this.taken.add(p);
        return p;
      }
    }
  }

  /** `count` consecutive ports (a process group's replica range). */
  range(count: number): Promise<{ from: number; to: number }> {
    return freePortRange(count, this.taken);
  }
}
