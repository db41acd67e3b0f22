/**
 * Exponential backoff with jitter: the n-th retry waits a random time in [d/2, d], d = base·2^(n-1) capped
 * at max. The jitter spreads the retries of many deliveries that failed together (a receiver restarting)
 * so they do not come back as one wave.
 */
export function backoffDelay(
  attemptsMade: number,
  baseMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
