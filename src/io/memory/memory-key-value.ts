// KeyValueStore in memory (tests, embedded runs): the same semantics as the Redis one, data exposed.
import type { KeyValueStore } from '../../ports/key-value.js';

export function createMemoryKeyValue(): KeyValueStore & {
  readonly data: Map<string, string>;
  readonly sorted: Map<string, Map<string, number>>;
} {
  const data = new Map<string, string>();
  const sorted = new Map<string, Map<string, number>>();
  return {
    data,
    sorted,
    sortedAdd: async (k, score, member, dropBelow) => {
      const set = sorted.get(k) ?? new Map<string, number>();
      sorted.set(k, set);
      set.set(member, score);
      if (dropBelow !== undefined) for (const [m, sc] of set) if (sc < dropBelow) set.delete(m);
    },
    sortedAbove: async (k, min) =>
      [...(sorted.get(k) ?? new Map<string, number>())]
        .filter(([, sc]) => sc > min)
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([m]) => m),
    get: async (k) => data.get(k) ?? null,
    set: async (k, v) => {
      data.set(k, v);
    },
    del: async (k) => {
      data.delete(k);
    },
  };
}
