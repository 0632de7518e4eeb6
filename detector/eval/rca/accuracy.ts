/**
 * Top-k accuracy of root-cause rankings: AC@k is the share of cases whose true cause is among the
 * first k ranked entities, Avg@5 the mean of AC@1..AC@5 (the RCAEval / BARO convention). A case
 * whose ranking is missing (the command failed) counts as a miss.
 */
export interface Accuracy {
  cases: number;
  ac1: number;
  ac3: number;
  avg5: number;
}

/** `ranks`: the 1-based rank of the true cause per case, 0 when it is not ranked at all. */
export function accuracy(ranks: readonly number[]): Accuracy {
  const ac = (k: number) => (ranks.length ? ranks.filter((r) => r >= 1 && r <= k).length / ranks.length : 0);
  return { cases: ranks.length, ac1: ac(1), ac3: ac(3), avg5: (ac(1) + ac(2) + ac(3) + ac(4) + ac(5)) / 5 };
}
