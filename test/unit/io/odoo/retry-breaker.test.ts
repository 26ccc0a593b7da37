import { describe, expect, it } from 'vitest';
import { OdooError } from '../../../../src/errors.js';
import { createCircuitBreaker } from '../../../../src/io/odoo/circuit-breaker.js';
import { backoffDelayMs, withRetry } from '../../../../src/io/odoo/retry.js';

const policy = { initialMs: 100, maxMs: 1_000, multiplier: 2, maxAttempts: 4 };
const net = (): OdooError => new OdooError('SHIFTSTREAM_ODOO_NETWORK', 'down');
const bad = (): OdooError => new OdooError('SHIFTSTREAM_ODOO_VALIDATION', 'bad');

describe('backoffDelayMs', () => {
  it('grows exponentially, is capped and uses full jitter', () => {
    expect([0, 1, 2, 3, 4, 10].map((r) => backoffDelayMs(r, policy, () => 0.999999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(1, policy, () => 0.5)).toBe(100);
  });
});

describe('withRetry', () => {
  it('retries retryable errors with the computed delays, then succeeds', async () => {
    const slept: number[] = [];
    let n = 0;
    const out = await withRetry(
      async () => {
        n += 1;
        if (n < 3) throw net();
        return 'ok';
      },
      {
        policy,
        random: () => 0.5,
        sleep: async (ms) => {
          slept.push(ms);
        },
      },
    );
    expect(out).toBe('ok');
    expect(slept).toEqual([50, 100]);
  });
  it('does not retry permanent errors', async () => {
    let n = 0;
    await expect(
      withRetry(
        async () => {
          n += 1;
          throw bad();
        },
        { policy, sleep: async () => undefined },
      ),
    ).rejects.toThrow('bad');
    expect(n).toBe(1);
  });
  it('gives up after maxAttempts with the last error', async () => {
    let n = 0;
    await expect(
      withRetry(
        async () => {
          n += 1;
          throw net();
        },
        { policy, sleep: async () => undefined },
      ),
    ).rejects.toMatchObject({ code: 'SHIFTSTREAM_ODOO_NETWORK' });
    expect(n).toBe(4);
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, half-opens after openMs with a single probe, closes on success', async () => {
    let now = 0;
    const changes: string[] = [];
    const b = createCircuitBreaker({
      failureThreshold: 3,
      openMs: 1_000,
      nowMs: () => now,
      onStateChange: (f, t) => changes.push(`${f}>${t}`),
    });
    for (let i = 0; i < 3; i += 1)
      await expect(
        b.run('x', async () => {
          throw net();
        }),
      ).rejects.toThrow('down');
    expect(b.state()).toBe('open');
    await expect(b.run('x', async () => 1)).rejects.toThrow(/circuit open/);
    now = 999;
    expect(b.tryAcquire()).toBe(false);
    now = 1_000;
    expect(b.state()).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.onSuccess();
    expect(b.state()).toBe('closed');
    expect(changes).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
  });
  it('reopens when the probe fails and ignores permanent errors', async () => {
    let now = 0;
    const b = createCircuitBreaker({ failureThreshold: 2, openMs: 100, nowMs: () => now });
    await expect(
      b.run('x', async () => {
        throw bad();
      }),
    ).rejects.toThrow();
    await expect(
      b.run('x', async () => {
        throw bad();
      }),
    ).rejects.toThrow();
    expect(b.state()).toBe('closed');
    await expect(
      b.run('x', async () => {
        throw net();
      }),
    ).rejects.toThrow();
    await expect(
      b.run('x', async () => {
        throw net();
      }),
    ).rejects.toThrow();
    expect(b.state()).toBe('open');
    now = 100;
    await expect(
      b.run('x', async () => {
        throw net();
      }),
    ).rejects.toThrow('down');
    expect(b.state()).toBe('open');
    now = 150;
    expect(b.state()).toBe('open');
    now = 200;
    await expect(b.run('x', async () => 7)).resolves.toBe(7);
    expect(b.state()).toBe('closed');
  });
});
