// Circuit breaker (closed -> open -> half-open -> closed), pure logic with an injected clock.
// Only retryable failures (network, 5xx, concurrency) count: a validation error proves Odoo is up.
import { OdooError, isRetryable } from '../../errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive retryable failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before one probe call is let through. */
  readonly openMs: number;
  readonly nowMs: () => number;
  readonly onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

export interface CircuitBreaker {
  state(): BreakerState;
  /** True when a call may go out now (in half-open: only one probe at a time). */
  tryAcquire(): boolean;
  onSuccess(): void;
  onFailure(err: unknown): void;
  /** Runs `fn` through the breaker; throws a retryable SHIFTSTREAM_ODOO_NETWORK error when open. */
  run<T>(what: string, fn: () => Promise<T>): Promise<T>;
}

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  let state: BreakerState = 'closed';
  let failures = 0;
  let openedAtMs = 0;
  let probeInFlight = false;

  function move(to: BreakerState): void {
    if (to === state) return;
    const from = state;
    state = to;
    options.onStateChange?.(from, to);
  }

  function current(): BreakerState {
    if (state === 'open' && options.nowMs() - openedAtMs >= options.openMs) {
      move('half-open');
      probeInFlight = false;
    }
    return state;
  }

  function tryAcquire(): boolean {
    const s = current();
    if (s === 'closed') return true;
    if (s === 'open') return false;
    if (probeInFlight) return false;
    probeInFlight = true;
    return true;
  }

  function onSuccess(): void {
    failures = 0;
    probeInFlight = false;
    move('closed');
  }

  function onFailure(err: unknown): void {
    if (!isRetryable(err)) {
      // Odoo answered: it is up. A probe that got a permanent error still closes the circuit.
      onSuccess();
      return;
    }
    probeInFlight = false;
    if (state === 'half-open') {
      openedAtMs = options.nowMs();
      move('open');
      return;
    }
    failures += 1;
    if (failures >= options.failureThreshold) {
      openedAtMs = options.nowMs();
      move('open');
    }
  }

  async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (!tryAcquire()) {
      const retryInMs = Math.max(0, openedAtMs + options.openMs - options.nowMs());
      throw new OdooError(
        'SHIFTSTREAM_ODOO_NETWORK',
        `${what}: circuit open after ${options.failureThreshold} consecutive failures, next probe in ${retryInMs} ms`,
        {
          details: { circuit: state, retryInMs },
        },
      );
    }
    try {
      const result = await fn();
      onSuccess();
      return result;
    } catch (err) {
      onFailure(err);
      throw err;
    }
  }

  return { state: current, tryAcquire, onSuccess, onFailure, run };
}
