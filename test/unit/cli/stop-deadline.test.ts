import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { armStopDeadline } from '../../../src/cli/stop-deadline.js';

describe('armStopDeadline', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires once, timeoutMs after the stop signal, not before', () => {
    const controller = new AbortController();
    const expired = vi.fn();
    armStopDeadline(controller.signal, 30_000, expired);
    vi.advanceTimersByTime(60_000); // no signal yet: no deadline running
    expect(expired).not.toHaveBeenCalled();
    controller.abort();
    vi.advanceTimersByTime(29_999);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(120_000);
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('does not fire when the stop finished in time (cancel), nor when cancelled before any signal', () => {
    const stopped = new AbortController();
    const expired = vi.fn();
    const deadline = armStopDeadline(stopped.signal, 1_000, expired);
    stopped.abort();
    vi.advanceTimersByTime(999);
    deadline.cancel();
    vi.advanceTimersByTime(10_000);
    const never = new AbortController();
    armStopDeadline(never.signal, 1_000, expired).cancel();
    never.abort();
    vi.advanceTimersByTime(10_000);
    expect(expired).not.toHaveBeenCalled();
  });

  it('starts at once when the signal was already aborted', () => {
    const controller = new AbortController();
    controller.abort();
    const expired = vi.fn();
    armStopDeadline(controller.signal, 500, expired);
    vi.advanceTimersByTime(500);
    expect(expired).toHaveBeenCalledTimes(1);
  });
});
