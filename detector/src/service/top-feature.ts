/** The feature with the largest positive contribution, or null (no attribution, or none positive). */
export function topFeature(
  contributions: readonly { feature: string; contribution: number }[],
): string | null {
  let top: string | null = null;
  let best = 0;
  for (const c of contributions) if (c.contribution > best) [best, top] = [c.contribution, c.feature];
  return top;
}
