// Capped exponential backoff with full jitter, and a retry loop that only retries what is
// retryable. Clock, sleep and randomness are injected so tests drive them.
import { isRetryable } from '../../errors.js';

export interface BackoffPolicy {
  /** Delay cap of the first retry. */
  readonly initialMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
  readonly multiplier: number;
  /** Total attempts including the first (>= 1). */
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 30_000, multiplier: 2, maxAttempts: 6 };

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): the delay before retry
 * number `retry` (0-based) is uniform in [0, min(maxMs, initialMs * multiplier^retry)).
 * `random` returns a value in [0, 1).
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, retry));
  return Math.floor(random() * ceiling);
}

export interface RetryOptions {
  readonly policy: BackoffPolicy;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Default: the error's `retryable` flag. */
  readonly isRetryable?: (err: unknown) => boolean;
  /** Called before each wait; e.g. for a log line or a metric. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn(attempt)` (attempt starts at 1) until it succeeds, fails permanently or attempts run out (last error
 * rethrown).
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? realSleep;
  const retryable = options.isRetryable ?? isRetryable;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.policy.maxAttempts || !retryable(err)) throw err;
      const delayMs = backoffDelayMs(attempt - 1, options.policy, random);
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
