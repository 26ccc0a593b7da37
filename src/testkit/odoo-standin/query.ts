// Domains (prefix notation with &, |, !), ordering, search/search_read and grouped reads for the
// Odoo stand-in. Operators: =, !=, <, >, <=, >=, in, not in, like, not like, ilike, not ilike,
// =like, =ilike, child_of, parent_of. `like`/`ilike` wrap the value in % like Odoo; % and _ in the
// value are wildcards. On x2many fields (and paths through them) a leaf holds when any linked
// record matches; `= False` means "no linked record".
import { valueError } from './errors.js';
import type { ModelDef } from './schema.js';
import type { Row, Store } from './store.js';

type Node =
  | { op: '&' | '|'; a: Node; b: Node }
  | { op: '!'; a: Node }
  | { op: 'leaf'; field: string; operator: string; value: unknown }
  | { op: 'true' };

export function parseDomain(domain: unknown): Node {
  if (domain === undefined || domain === null || domain === false) return { op: 'true' };
  if (!Array.isArray(domain)) throw valueError(`Invalid domain: expected a list, found ${JSON.stringify(domain)}`);
  const stack: Node[] = [];
  for (let i = domain.length - 1; i >= 0; i -= 1) {
    const t: unknown = domain[i];
    if (t === '&' || t === '|') {
      const a = stack.pop();
      const b = stack.pop();
      if (a === undefined || b === undefined)
        throw valueError(`Invalid domain ${JSON.stringify(domain)}: operator ${t} lacks operands`);
      stack.push({ op: t, a, b });
    } else if (t === '!') {
      const a = stack.pop();
      if (a === undefined) throw valueError(`Invalid domain ${JSON.stringify(domain)}: ! lacks an operand`);
      stack.push({ op: '!', a });
    } else if (Array.isArray(t) && t.length === 3 && typeof t[0] === 'string' && typeof t[1] === 'string') {
      stack.push({ op: 'leaf', field: t[0], operator: t[1].toLowerCase(), value: t[2] });
    } else if (Array.isArray(t) && t.length === 3 && (t[0] === 1 || t[0] === 0)) {
      stack.push(t[0] === 1 ? { op: 'true' } : { op: '!', a: { op: 'true' } });
    } else {
      throw valueError(`Invalid leaf ${JSON.stringify(t)} in domain ${JSON.stringify(domain)}`);
    }
  }
  // Implicit & between the remaining top-level terms.
  let node: Node = stack.pop() ?? { op: 'true' };
  while (stack.length > 0) node = { op: '&', a: node, b: stack.pop() as Node };
  return node;
}

function likeRegex(pattern: string, wrap: boolean, insensitive: boolean): RegExp {
  let body = '';
  for (const ch of pattern) {
    if (ch === '%') body += '.*';
    else if (ch === '_') body += '.';
    else body += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(wrap ? `^.*${body}.*$` : `^${body}$`, insensitive ? 'is' : 's');
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function leafMatches(
  store: Store,
  model: ModelDef,
  row: Row,
  field: string,
  operator: string,
  value: unknown,
): boolean {
  const v = store.valueOf(model, row, field);
  if (operator === 'child_of' || operator === 'parent_of')
    return hierarchyMatches(store, model, row, field, operator, value);
  if (Array.isArray(v)) {
    if ((operator === '=' || operator === '!=') && value === false)
      return operator === '=' ? v.length === 0 : v.length > 0;
    if (operator === 'not in' || operator === '!=')
      return !v.some((x) => leafValueMatches(operator === '!=' ? '=' : 'in', x, value));
    return v.some((x) => leafValueMatches(operator, x, value));
  }
  return leafValueMatches(operator, v, value, field);
}

/** `child_of` / `parent_of` over the relation's parent field (location_id on stock.location, else parent_id). */
function hierarchyMatches(
  store: Store,
  model: ModelDef,
  row: Row,
  field: string,
  operator: string,
  value: unknown,
): boolean {
  const f = field === 'id' ? undefined : model.fields.get(field);
  const relName = f?.relation ?? model.name;
  const rel = store.model(relName);
  const parentField = rel.fields.get('location_id')?.relation === relName ? 'location_id' : 'parent_id';
  const targets = new Set((Array.isArray(value) ? value : [value]).filter((x): x is number => typeof x === 'number'));
  const own = store.valueOf(model, row, field);
  const ids = (Array.isArray(own) ? own : [own]).filter((x): x is number => typeof x === 'number');
  const ancestors = (id: number): number[] => {
    const out: number[] = [];
    let cur: unknown = id;
    while (typeof cur === 'number' && !out.includes(cur)) {
      out.push(cur);
      cur = store.has(relName, cur) ? store.get(relName, cur)[parentField] : false;
    }
    return out;
  };
  if (operator === 'child_of') return ids.some((id) => ancestors(id).some((a) => targets.has(a)));
  return [...targets].some((t) => ancestors(t).some((a) => ids.includes(a)));
}

function leafValueMatches(operator: string, v: unknown, value: unknown, field = ''): boolean {
  switch (operator) {
    case '=':
      return value === false ? v === false || v === null : v === value;
    case '!=':
      return value === false ? v !== false && v !== null : v !== value;
    case 'in':
    case 'not in': {
      if (!Array.isArray(value))
        throw valueError(`Invalid domain value for ${operator}: expected a list, found ${JSON.stringify(value)}`);
      const hit = value.includes(v) || (v === false && value.includes(false));
      return operator === 'in' ? hit : !hit;
    }
    case '<':
    case '>':
    case '<=':
    case '>=': {
      if (v === false) return false;
      const c = compare(v, value);
      return operator === '<' ? c < 0 : operator === '>' ? c > 0 : operator === '<=' ? c <= 0 : c >= 0;
    }
    case 'like':
    case 'ilike':
    case 'not like':
    case 'not ilike':
    case '=like':
    case '=ilike': {
      if (typeof value !== 'string')
        throw valueError(`Invalid domain value for ${operator}: expected a string, found ${JSON.stringify(value)}`);
      const re = likeRegex(value, !operator.startsWith('='), operator.includes('ilike'));
      const hit = typeof v === 'string' && re.test(v);
      return operator.startsWith('not') ? !hit : hit;
    }
    default:
      throw valueError(
        `Invalid operator ${JSON.stringify(operator)} in domain leaf ${JSON.stringify([field, operator, value])}`,
      );
  }
}

function matches(store: Store, model: ModelDef, row: Row, node: Node): boolean {
  switch (node.op) {
    case 'true':
      return true;
    case '!':
      return !matches(store, model, row, node.a);
    case '&':
      return matches(store, model, row, node.a) && matches(store, model, row, node.b);
    case '|':
      return matches(store, model, row, node.a) || matches(store, model, row, node.b);
    case 'leaf':
      return leafMatches(store, model, row, node.field, node.operator, node.value);
  }
}

function sortRows(store: Store, model: ModelDef, rows: Row[], order: unknown): Row[] {
  const spec = typeof order === 'string' && order.trim() !== '' ? order : model.order;
  const keys = spec.split(',').map((part) => {
    const [field, dir] = part.trim().split(/\s+/);
    if (field === undefined || !model.fields.has(field))
      throw valueError(`Invalid "order" specified (${spec}) on ${model.name}`);
    return { field, desc: (dir ?? 'asc').toLowerCase() === 'desc' };
  });
  return rows.sort((x, y) => {
    for (const k of keys) {
      const c = compare(store.valueOf(model, x, k.field), store.valueOf(model, y, k.field));
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
}

export interface SearchParams {
  readonly domain?: unknown;
  readonly offset?: unknown;
  readonly limit?: unknown;
  readonly order?: unknown;
}

export function searchRows(store: Store, modelName: string, p: SearchParams): Row[] {
  const model = store.model(modelName);
  const node = parseDomain(p.domain);
  const rows = [...store.table(modelName).values()].filter((r) => matches(store, model, r, node));
  const sorted = sortRows(store, model, rows, p.order);
  const offset = typeof p.offset === 'number' ? p.offset : 0;
  const limit = typeof p.limit === 'number' && p.limit > 0 ? p.limit : undefined;
  return sorted.slice(offset, limit === undefined ? undefined : offset + limit);
}

export function readRows(store: Store, modelName: string, rows: readonly Row[], fields: unknown): Row[] {
  const model = store.model(modelName);
  const names =
    Array.isArray(fields) && fields.length > 0
      ? (fields as string[])
      : [...model.fields.values()].filter((f) => f.stored || f.related !== undefined).map((f) => f.name);
  return rows.map((row) => {
    const out: Row = { id: row['id'] };
    for (const n of names) out[n] = store.readField(model, row, n);
    return out;
  });
}

interface GroupSpec {
  readonly spec: string;
  readonly field: string;
  readonly granularity?: string;
}

function groupValue(store: Store, model: ModelDef, row: Row, g: GroupSpec): unknown {
  if (g.granularity === undefined) return store.readField(model, row, g.field);
  const v = store.valueOf(model, row, g.field);
  if (typeof v !== 'string') return false;
  if (g.granularity === 'day') return v.slice(0, 10);
  if (g.granularity === 'month') return v.slice(0, 7);
  if (g.granularity === 'year') return v.slice(0, 4);
  throw valueError(`Unsupported granularity ${JSON.stringify(g.granularity)} in the stand-in`);
}

/** Groups rows; `aggregates` are `field:func` specs (sum, min, max, avg, count). */
export function groupRows(
  store: Store,
  modelName: string,
  domain: unknown,
  groupby: unknown,
  aggregates: readonly string[],
): { groups: Row; values: Record<string, number>; count: number }[] {
  const model = store.model(modelName);
  if (!Array.isArray(groupby)) throw valueError(`groupby: expected a list, found ${JSON.stringify(groupby)}`);
  const specs: GroupSpec[] = (groupby as unknown[]).map((s) => {
    if (typeof s !== 'string') throw valueError(`groupby: expected field names, found ${JSON.stringify(s)}`);
    const [field, granularity] = s.split(':');
    if (field === undefined || !model.fields.has(field))
      throw valueError(`Invalid field ${JSON.stringify(field)} on model ${JSON.stringify(modelName)}`);
    return granularity === undefined ? { spec: s, field } : { spec: s, field, granularity };
  });
  const rows = searchRows(store, modelName, { domain });
  const groups = new Map<string, { groups: Row; rows: Row[] }>();
  for (const row of rows) {
    const values = specs.map((g) => groupValue(store, model, row, g));
    const key = JSON.stringify(values);
    let g = groups.get(key);
    if (g === undefined) {
      g = { groups: Object.fromEntries(specs.map((s, i) => [s.spec, values[i]])), rows: [] };
      groups.set(key, g);
    }
    g.rows.push(row);
  }
  return [...groups.values()].map((g) => {
    const values: Record<string, number> = {};
    for (const a of aggregates) {
      const [field, fn = 'sum'] = a.split(':');
      if (field === undefined || !model.fields.has(field))
        throw valueError(`Invalid field ${JSON.stringify(field)} on model ${JSON.stringify(modelName)}`);
      const nums = g.rows.map((r) => Number(store.valueOf(model, r, field)) || 0);
      const sum = nums.reduce((x, y) => x + y, 0);
      values[a] =
        fn === 'sum'
          ? sum
          : fn === 'min'
            ? Math.min(...nums)
            : fn === 'max'
              ? Math.max(...nums)
              : fn === 'avg'
                ? sum / nums.length
                : nums.length;
    }
    return { groups: g.groups, values, count: g.rows.length };
  });
}
