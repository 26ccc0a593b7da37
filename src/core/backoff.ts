// Capped exponential backoff with full jitter, as a pure function: the caller passes the randomness
// in. Shared by the Odoo client's retry loop (io/odoo/retry.ts) and the posting consumer's recovery.

export interface BackoffPolicy {
  /** Delay cap of the first retry. */
  readonly initialMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
  readonly multiplier: number;
  /** Total attempts including the first (>= 1). */
  readonly maxAttempts: number;
}

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): the delay before retry
 * number `retry` (0-based) is uniform in [0, min(maxMs, initialMs * multiplier^retry)).
 * `random` returns a value in [0, 1).
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, retry));
  return Math.floor(random() * ceiling);
}
