/** Spends `ms` of CPU on the calling thread: the request's own compute, which blocks like real work. */
export function burnCpu(ms: number): void {
  if (ms <= 0) return;
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
