import { createServer } from 'node:net';

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * `count` consecutive ports on 127.0.0.1 that were free a moment ago, for replicas the remediator
 * spawns on scale-out (its config takes a range). Tries random bases in the unprivileged range.
 */
export async function freePortRange(count: number, taken: Set<number> = new Set(), attempts = 50): Promise<{ from: number; to: number }> {
  for (let a = 0; a < attempts; a++) {
    const from = 20_000 + Math.floor(Math.random() * 20_000);
    let ok = true;
    for (let p = from; p < from + count && ok; p++) ok = !taken.has(p) && (await isFree(p));
    if (ok) {
      for (let p = from; p < from + count; p++) taken.add(p);
      return { from, to: from + count - 1 };
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
