// Batch policy (Benthos style): at least one trigger (count, bytes, period) and a ceiling. Pure:
// the caller passes the time in. Items are kept whole (a summary is never split across batches);
// `size` is the number of records an item makes and `bytes` their encoded size.
import { ConfigError } from '../../errors.js';

export interface BatchPolicy {
  /** Flush when the batch holds at least this many records. */
  readonly count?: number;
  /** Flush when the batch holds at least this many bytes. */
  readonly bytes?: number;
  /** Flush when the oldest item has waited this long. */
  readonly periodMs?: number;
  /** Hard limits: a batch never grows past them (a single larger item makes a batch of its own). */
  readonly ceiling: { readonly count: number; readonly bytes: number };
}

export function validateBatchPolicy(policy: BatchPolicy, path = 'odoo.batch'): BatchPolicy {
  const problems: string[] = [];
  if (policy.count === undefined && policy.bytes === undefined && policy.periodMs === undefined)
    problems.push(`${path}: expected at least one trigger (count, bytes or periodMs), found none`);
  for (const [name, v] of [
    ['count', policy.count],
    ['bytes', policy.bytes],
    ['periodMs', policy.periodMs],
    ['ceiling.count', policy.ceiling.count],
    ['ceiling.bytes', policy.ceiling.bytes],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0))
      problems.push(`${path}.${name}: expected a positive integer, found ${v}`);
  }
  if (policy.count !== undefined && policy.count > policy.ceiling.count)
    problems.push(`${path}.count (${policy.count}) must not exceed ceiling.count (${policy.ceiling.count})`);
  if (policy.bytes !== undefined && policy.bytes > policy.ceiling.bytes)
    problems.push(`${path}.bytes (${policy.bytes}) must not exceed ceiling.bytes (${policy.ceiling.bytes})`);
  if (problems.length > 0)
    throw new ConfigError('SHIFTSTREAM_CONFIG_INVALID', problems.join('; '), { details: { problems } });
  return policy;
}

export interface BatchAccumulator<T> {
  /** Adds an item; returns the batches that became ready (0, 1 or 2 of them). */
  add(item: T, size: number, bytes: number, nowMs: number): T[][];
  /** The batch if its period has elapsed, else null. */
  poll(nowMs: number): T[] | null;
  /** Everything buffered (possibly empty). */
  drain(): T[];
  /** When the period trigger fires next, or null when empty or no period. */
  dueAtMs(): number | null;
  readonly pending: { readonly items: number; readonly size: number; readonly bytes: number };
}

export function createBatchAccumulator<T>(policy: BatchPolicy): BatchAccumulator<T> {
  validateBatchPolicy(policy);
  let items: T[] = [];
  let size = 0;
  let bytes = 0;
  let firstAtMs = 0;

  function take(): T[] {
    const out = items;
    items = [];
    size = 0;
    bytes = 0;
    return out;
  }

  function triggered(): boolean {
    return (
      (policy.count !== undefined && size >= policy.count) ||
      (policy.bytes !== undefined && bytes >= policy.bytes) ||
      size >= policy.ceiling.count ||
      bytes >= policy.ceiling.bytes
    );
  }

  return {
    add(item, itemSize, itemBytes, nowMs) {
      const ready: T[][] = [];
      if (items.length > 0 && (size + itemSize > policy.ceiling.count || bytes + itemBytes > policy.ceiling.bytes))
        ready.push(take());
      if (items.length === 0) firstAtMs = nowMs;
      items.push(item);
      size += itemSize;
      bytes += itemBytes;
      if (triggered()) ready.push(take());
      return ready;
    },
    poll(nowMs) {
      if (items.length === 0 || policy.periodMs === undefined) return null;
      return nowMs - firstAtMs >= policy.periodMs ? take() : null;
    },
    drain: take,
    dueAtMs: () => (items.length === 0 || policy.periodMs === undefined ? null : firstAtMs + policy.periodMs),
    get pending() {
      return { items: items.length, size, bytes };
    },
  };
}
