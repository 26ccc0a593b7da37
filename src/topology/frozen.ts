// Read-only Maps and deep freezing for the compiled plan. `Object.freeze` does not stop
// `Map.prototype.set`, so the plan's Maps refuse writes once built. Reads are plain Map reads.
import { InvariantError } from '../errors.js';

const sealed = new WeakSet<object>();

export class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super(entries);
    sealed.add(this);
    Object.freeze(this);
  }

  override set(key: K, value: V): this {
    if (sealed.has(this)) throw frozenError('set');
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    if (sealed.has(this)) throw frozenError('delete');
    return super.delete(key);
  }

  override clear(): void {
    if (sealed.has(this)) throw frozenError('clear');
    super.clear();
  }
}

function frozenError(op: string): InvariantError {
  return new InvariantError(
    'SHIFTSTREAM_INVARIANT',
    `topology plan: expected no writes to a compiled plan Map, found a call to ${op}()`,
  );
}

/** Freezes an object graph of plain objects, arrays and FrozenMaps (their values too). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || (Object.isFrozen(value) && !(value instanceof Map))) return value;
  if (value instanceof Map) {
    for (const v of value.values()) deepFreeze(v);
    return value;
  }
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
