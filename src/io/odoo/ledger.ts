// The posting ledger: which record keys were posted (key -> Odoo id, or `pending` while a create
// call is in flight) and which revision of each shift instance is in Odoo. The Redis adapter is
// in redis-ledger.ts; this file holds the port and an in-memory adapter for unit tests.

export type LedgerKeyState = 'pending' | number;

export interface LedgerShift {
  readonly revision: number;
  /** `replacing`: older revision's records may still be (partly) in Odoo, or new ones partly created. */
  readonly state: 'posted' | 'replacing';
}

export interface PostingLedger {
  getKeys(keys: readonly string[]): Promise<Map<string, LedgerKeyState>>;
  getShifts(shiftKeys: readonly string[]): Promise<Map<string, LedgerShift>>;
  /** Written (and awaited) BEFORE a create or unlink call goes out. */
  markPending(keys: readonly string[], shifts: ReadonlyMap<string, LedgerShift>): Promise<void>;
  /** Written after Odoo confirmed. */
  markPosted(keys: ReadonlyMap<string, number>, shifts: ReadonlyMap<string, LedgerShift>): Promise<void>;
  /** Forget pending markers of keys Odoo refused (the transaction rolled back). */
  clearPending(keys: readonly string[]): Promise<void>;
}

export function encodeShift(s: LedgerShift): string {
  return `${s.revision}|${s.state}`;
}

export function decodeShift(text: string): LedgerShift | undefined {
  const [rev, state] = text.split('|');
  const revision = Number(rev);
  if (!Number.isInteger(revision) || (state !== 'posted' && state !== 'replacing')) return undefined;
  return { revision, state };
}

export function decodeKey(text: string): LedgerKeyState | undefined {
  if (text === 'pending') return 'pending';
  const id = Number(text);
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

export function createMemoryLedger(): PostingLedger & {
  readonly keys: Map<string, LedgerKeyState>;
  readonly shifts: Map<string, LedgerShift>;
} {
  const keys = new Map<string, LedgerKeyState>();
  const shifts = new Map<string, LedgerShift>();
  return {
    keys,
    shifts,
    getKeys: async (ks) =>
      new Map(ks.flatMap((k) => (keys.has(k) ? [[k, keys.get(k) as LedgerKeyState] as const] : []))),
    getShifts: async (ss) =>
      new Map(ss.flatMap((s) => (shifts.has(s) ? [[s, shifts.get(s) as LedgerShift] as const] : []))),
    markPending: async (ks, ss) => {
      for (const k of ks) if (typeof keys.get(k) !== 'number') keys.set(k, 'pending');
      for (const [s, v] of ss) shifts.set(s, v);
    },
    markPosted: async (ks, ss) => {
      for (const [k, id] of ks) keys.set(k, id);
      for (const [s, v] of ss) shifts.set(s, v);
    },
    clearPending: async (ks) => {
      for (const k of ks) if (keys.get(k) === 'pending') keys.delete(k);
    },
  };
}
