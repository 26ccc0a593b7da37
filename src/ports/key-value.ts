// Port: a small key-value store for the posting services' own state (milestone ledger, orders
// cursor, DLQ replay cursor, posted shift spans). Redis in production (io/redis/redis-key-value.ts),
// in memory in tests (io/memory/memory-key-value.ts).

export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
  /** Sorted set `key`: adds `member` scored `score` (or re-scores it), then drops members scored below `dropBelow`. */
  sortedAdd(key: string, score: number, member: string, dropBelow?: number): Promise<void>;
  /** Sorted set `key`: the members scored above `minExclusive`, by ascending score. */
  sortedAbove(key: string, minExclusive: number): Promise<string[]>;
}
