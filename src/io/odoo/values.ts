// Small pieces every Odoo poster and reader needs: a many2one's id as RPC returns it, a JSON
// ledger over the key-value store, and a model's field names (what a database has installed).
import type { KeyValueStore } from '../../ports/key-value.js';
import type { OdooClient } from './client.js';

/** The id of a many2one value: `[id, display_name]` from read/search_read, or a bare id; else null. */
export function m2oId(v: unknown): number | null {
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return typeof v === 'number' ? v : null;
}

export interface JsonLedger<T> {
  get(key: string): Promise<T | undefined>;
  put(key: string, value: T): Promise<void>;
  clear(key: string): Promise<void>;
}

/** Values of type T as JSON under `<prefix><key>`; an unreadable value reads as absent. */
export function jsonLedgerOn<T>(kv: KeyValueStore, prefix: string): JsonLedger<T> {
  return {
    async get(key) {
      const text = await kv.get(`${prefix}${key}`);
      if (text === null) return undefined;
      try {
        return JSON.parse(text) as T;
      } catch {
        return undefined;
      }
    },
    put: (key, value) => kv.set(`${prefix}${key}`, JSON.stringify(value)),
    clear: (key) => kv.del(`${prefix}${key}`),
  };
}

/**
 * The model's field names (`fields_get`), asked once and cached; a failed answer is not cached, so
 * the next call asks again. Editions and modules differ in the fields a model has.
 */
export function fieldNamesOf(client: OdooClient, model: string): () => Promise<ReadonlySet<string>> {
  let names: Promise<ReadonlySet<string>> | undefined;
  return () => {
    names ??= (
      client.callMethod(model, 'fields_get', null, { attributes: ['type'] }) as Promise<Record<string, unknown>>
    ).then(
      (f) => new Set(Object.keys(f)),
      (err: unknown) => {
        names = undefined;
        throw err;
      },
    );
    return names;
  };
}
