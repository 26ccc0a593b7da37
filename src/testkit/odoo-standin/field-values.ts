// Value conversion of the stand-in's ORM: what a client may send for each field type (Odoo's
// convert_to_cache), the wire format of datetimes, and the x2many command lists.
import { valueError } from './errors.js';
import type { FieldDef, ModelDef } from './schema.js';

const DATETIME = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}:\d{2})(?:\.\d+)?)?$/;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function formatDatetime(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

export function parseDatetime(s: string): number {
  return Date.parse(`${s.replace(' ', 'T')}Z`);
}

/** A field value as given by a client, converted for storage; many2one targets are checked by the store. */
export function convertValue(model: ModelDef, f: FieldDef, v: unknown): unknown {
  const bad = (expected: string): Error =>
    valueError(`Wrong value for ${model.name}.${f.name}: expected ${expected}, found ${JSON.stringify(v)}`);
  if (v === false || v === null)
    return f.type === 'one2many' || f.type === 'many2many' ? [{ op: 'clear' } satisfies X2ManyCommand] : false;
  switch (f.type) {
    case 'char':
    case 'text':
    case 'html':
    case 'binary':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'selection':
      if (typeof v !== 'string') throw bad('a selection key');
      if (f.selection !== undefined && !f.selection.includes(v))
        throw valueError(
          `Wrong value for ${model.name}.${f.name}: ${JSON.stringify(v)} (allowed: ${f.selection.join(', ')})`,
        );
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw bad('a boolean');
      return v;
    case 'integer':
    case 'reference_int':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('an integer');
      return v;
    case 'float':
      if (typeof v !== 'number') throw bad('a number');
      return v;
    case 'many2one':
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw bad('a record id');
      return v;
    case 'datetime':
    case 'date': {
      if (typeof v !== 'string') throw bad('a "YYYY-MM-DD HH:MM:SS" string');
      const m = DATETIME.exec(v);
      if (m === null || Number.isNaN(parseDatetime(v.slice(0, 19))))
        throw valueError(
          `time data ${JSON.stringify(v)} does not match format '%Y-%m-%d %H:%M:%S' (${model.name}.${f.name})`,
        );
      return f.type === 'date' ? m[1] : `${m[1]} ${m[2] ?? '00:00:00'}`;
    }
    case 'one2many':
    case 'many2many':
      return normalizeCommands(model, f, v);
    case 'properties':
      return v;
  }
}

export type X2ManyCommand =
  | { readonly op: 'create'; readonly vals: Record<string, unknown> }
  | { readonly op: 'update'; readonly id: number; readonly vals: Record<string, unknown> }
  | { readonly op: 'delete'; readonly id: number }
  | { readonly op: 'unlink'; readonly id: number }
  | { readonly op: 'link'; readonly id: number }
  | { readonly op: 'clear' }
  | { readonly op: 'set'; readonly ids: readonly number[] };

/** Odoo's x2many commands ([0,0,vals], [1,id,vals], [2,id], [3,id], [4,id], [5], [6,0,ids]) or a list of ids. */
export function normalizeCommands(model: ModelDef, f: FieldDef, v: unknown): X2ManyCommand[] {
  const bad = (c: unknown): Error =>
    valueError(`Wrong value for ${model.name}.${f.name}: expected a list of commands, found ${JSON.stringify(c)}`);
  if (!Array.isArray(v)) throw bad(v);
  if (v.every((x) => typeof x === 'number')) return [{ op: 'set', ids: v }];
  const isId = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;
  return v.map((c: unknown): X2ManyCommand => {
    if (!Array.isArray(c) || typeof c[0] !== 'number') throw bad(c);
    const [op, id, vals] = c as [number, unknown, unknown];
    const asVals = (): Record<string, unknown> => {
      if (typeof vals !== 'object' || vals === null || Array.isArray(vals)) throw bad(c);
      return vals as Record<string, unknown>;
    };
    switch (op) {
      case 0:
        return { op: 'create', vals: asVals() };
      case 1:
        if (!isId(id)) throw bad(c);
        return { op: 'update', id, vals: asVals() };
      case 2:
      case 3:
      case 4:
        if (!isId(id)) throw bad(c);
        return op === 2 ? { op: 'delete', id } : op === 3 ? { op: 'unlink', id } : { op: 'link', id };
      case 5:
        return { op: 'clear' };
      case 6:
        if (!Array.isArray(vals) || !vals.every(isId)) throw bad(c);
        return { op: 'set', ids: vals };
      default:
        throw bad(c);
    }
  });
}
