// A retry loop that only retries what is retryable, with capped exponential backoff and full
// jitter (core/backoff.ts). Clock, sleep and randomness are injected so tests drive them.
import { backoffDelayMs, type BackoffPolicy } from '../../core/backoff.js';
import { isRetryable } from '../../errors.js';

export { backoffDelayMs, type BackoffPolicy };

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 30_000, multiplier: 2, maxAttempts: 6 };

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
