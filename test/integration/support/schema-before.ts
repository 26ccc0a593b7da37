// "The schema as it was before a change", for the registry evolution tests: the shipped Avro schema
// with the named record fields removed and the named enum symbols dropped, anywhere in the tree
// (nested records and unions included). The registry tests register this one first, then the
// shipped one, to prove the change BACKWARD compatible.

export interface Removed {
  /** Record fields (by name) that did not exist before. */
  readonly fields?: readonly string[];
  /** Enum symbols that did not exist before, per enum name. */
  readonly symbols?: Readonly<Record<string, readonly string[]>>;
}

export function schemaWithout(node: unknown, removed: Removed): unknown {
  if (Array.isArray(node)) return node.map((n) => schemaWithout(n, removed));
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'fields' && Array.isArray(v))
      out[k] = v
        .filter((f) => !(removed.fields ?? []).includes((f as { name?: string }).name ?? ''))
        .map((f) => schemaWithout(f, removed));
    else if (k === 'symbols' && Array.isArray(v) && typeof o['name'] === 'string' && removed.symbols?.[o['name']])
      out[k] = (v as string[]).filter((s) => !removed.symbols?.[o['name'] as string]?.includes(s));
    else out[k] = schemaWithout(v, removed);
  }
  return out;
}
