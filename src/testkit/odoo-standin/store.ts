// In-memory ORM of the Odoo stand-in: create/write/unlink/search/read/read_group with Odoo's
// validation (unknown fields, types, selections, required fields, many2one targets) and Odoo's
// exception names. Every call is atomic (validated fully before anything changes).
import type { FieldDef, ModelDef } from './schema.js';
import { loadSchema } from './schema.js';

/** An Odoo exception as the stand-in raises it. `status` is its JSON-2 HTTP status. */
export class StandinOdooError extends Error {
  constructor(
    readonly odooName: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export const validationError = (m: string): StandinOdooError =>
  new StandinOdooError('odoo.exceptions.ValidationError', m, 422);
export const userError = (m: string): StandinOdooError => new StandinOdooError('odoo.exceptions.UserError', m, 422);
export const valueError = (m: string): StandinOdooError => new StandinOdooError('builtins.ValueError', m, 422);
export const missingError = (m: string): StandinOdooError =>
  new StandinOdooError('odoo.exceptions.MissingError', m, 404);

export type Row = Record<string, unknown>;

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

function parseDatetime(s: string): number {
  return Date.parse(`${s.replace(' ', 'T')}Z`);
}

export interface StoreOptions {
  readonly nowMs: () => number;
  readonly uid: () => number;
  readonly companyId: () => number;
}

export class Store {
  readonly schema: ReadonlyMap<string, ModelDef> = loadSchema();
  private readonly tables = new Map<string, Map<number, Row>>();
  private readonly nextIds = new Map<string, number>();
  private fakeResourceId = 1;

  constructor(private readonly options: StoreOptions) {
    for (const name of this.schema.keys()) {
      this.tables.set(name, new Map());
      this.nextIds.set(name, 1);
    }
  }

  model(name: string): ModelDef {
    const m = this.schema.get(name);
    if (m === undefined) throw new StandinOdooError('builtins.KeyError', `Object ${name} doesn't exist`, 404);
    return m;
  }

  table(name: string): Map<number, Row> {
    this.model(name);
    return this.tables.get(name) as Map<number, Row>;
  }

  private label(model: ModelDef, f: FieldDef): string {
    return `Model: ${model.name}, Field: ${f.name}`;
  }

  private checkValue(model: ModelDef, f: FieldDef, v: unknown): unknown {
    const bad = (expected: string): StandinOdooError =>
      valueError(`Wrong value for ${model.name}.${f.name}: expected ${expected}, found ${JSON.stringify(v)}`);
    if (v === false || v === null) {
      if (f.type === 'boolean') return false;
      return false;
    }
    switch (f.type) {
      case 'char':
      case 'text':
      case 'html':
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
      case 'many2one': {
        if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw bad('a record id');
        const target = f.relation === undefined ? undefined : this.tables.get(f.relation);
        if (target !== undefined && !target.has(v)) {
          throw validationError(
            `The operation cannot be completed: another model requires the record being deleted, or a ` +
              `referenced record does not exist.\n\n${this.label(model, f)} ` +
              `-> ${f.relation} ${v} does not exist`,
          );
        }
        return v;
      }
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
        if (!Array.isArray(v)) throw bad('a list of commands');
        return v;
      case 'properties':
        return v;
    }
  }

  private defaultFor(model: ModelDef, f: FieldDef): unknown {
    if (model.name === 'mrp.workcenter' && f.name === 'resource_id') return this.fakeResourceId++;
    const d = f.default;
    if (typeof d === 'number' || typeof d === 'boolean') return d;
    if (typeof d !== 'string') return undefined;
    if (d === 'now') return formatDatetime(this.options.nowMs());
    if (/company/i.test(d) && f.relation === 'res.company') return this.options.companyId();
    if (/user/i.test(d) && f.relation === 'res.users') return this.options.uid();
    const quoted = /^'([^']*)'/.exec(d);
    if (quoted !== null) return quoted[1];
    if (f.selection?.includes(d) === true) return d;
    return undefined;
  }

  private prepare(model: ModelDef, vals: unknown, creating: boolean): Row {
    if (typeof vals !== 'object' || vals === null || Array.isArray(vals))
      throw valueError(`${model.name}: expected a dict of values, found ${JSON.stringify(vals)}`);
    const row: Row = {};
    for (const [k, v] of Object.entries(vals as Row)) {
      const f = model.fields.get(k);
      if (f === undefined) throw valueError(`Invalid field '${k}' on model '${model.name}'`);
      if (f.computed && !f.stored) continue; // not stored: Odoo ignores it unless it has an inverse
      if (k === 'id' || k === 'create_date' || k === 'write_date') continue;
      row[k] = this.checkValue(model, f, v);
    }
    if (creating) {
      for (const f of model.fields.values()) {
        if (f.name in row || f.computed || f.name === 'id') continue;
        const d = this.defaultFor(model, f);
        if (d !== undefined) row[f.name] = d;
      }
      for (const f of model.fields.values()) {
        if (!f.required || f.computed || f.related !== undefined) continue;
        const v = row[f.name];
        if (v === undefined || v === false || v === '') {
          throw validationError(
            `The operation cannot be completed:\n- Create/update: a mandatory field ` +
              `is not set.\n- Delete: another model requires the record being deleted. ` +
              `If possible, archive it instead.\n\nModel: ${model.name}, Field: ${f.name}`,
          );
        }
      }
    }
    return row;
  }

  private compute(model: ModelDef, row: Row): void {
    if (model.name === 'mrp.workcenter.productivity') {
      const s = row['date_start'];
      const e = row['date_end'];
      // Minutes, 2 decimals, from second-precision dates (sub-seconds are already dropped).
      row['duration'] =
        typeof s === 'string' && typeof e === 'string'
          ? Math.round(((parseDatetime(e) - parseDatetime(s)) / 60_000) * 100) / 100
          : 0;
    }
  }

  create(modelName: string, valsList: readonly unknown[]): number[] {
    const model = this.model(modelName);
    const rows = valsList.map((v) => this.prepare(model, v, true));
    const table = this.table(modelName);
    const now = formatDatetime(this.options.nowMs());
    const ids: number[] = [];
    for (const row of rows) {
      const id = this.nextIds.get(modelName) as number;
      this.nextIds.set(modelName, id + 1);
      const full: Row = { ...row, id, create_date: now, write_date: now };
      this.compute(model, full);
      table.set(id, full);
      ids.push(id);
    }
    return ids;
  }

  private existing(modelName: string, ids: readonly unknown[]): Row[] {
    const table = this.table(modelName);
    const missing = ids.filter((id) => typeof id !== 'number' || !table.has(id));
    if (missing.length > 0)
      throw missingError(
        `Record does not exist or has been deleted.\n(Record: ` +
          `${modelName}(${missing.join(', ')},), User: ${this.options.uid()})`,
      );
    return ids.map((id) => table.get(id as number) as Row);
  }

  write(modelName: string, ids: readonly unknown[], vals: unknown): true {
    const model = this.model(modelName);
    const rows = this.existing(modelName, ids);
    const patch = this.prepare(model, vals, false);
    const now = formatDatetime(this.options.nowMs());
    for (const row of rows) {
      Object.assign(row, patch, { write_date: now });
      this.compute(model, row);
    }
    return true;
  }

  unlink(modelName: string, ids: readonly unknown[]): true {
    this.existing(modelName, ids);
    const table = this.table(modelName);
    for (const id of ids) table.delete(id as number);
    return true;
  }

  /** Value of a (possibly dotted / related) field for reading and domains; many2one as an id. */
  valueOf(model: ModelDef, row: Row, path: string): unknown {
    const [head, ...rest] = path.split('.');
    const f = model.fields.get(head as string);
    if (f === undefined)
      throw valueError(`Invalid field ${JSON.stringify(head)} on model ${JSON.stringify(model.name)}`);
    let v: unknown;
    if (f.related !== undefined && !(f.name in row)) {
      const [hop, ...tail] = f.related.split('.');
      const hopField = model.fields.get(hop as string);
      const target = hopField?.relation === undefined ? undefined : this.tables.get(hopField.relation);
      const linked = target?.get(row[hop as string] as number);
      v =
        linked === undefined || hopField?.relation === undefined
          ? false
          : this.valueOf(this.model(hopField.relation), linked, tail.join('.'));
    } else if (f.name === 'display_name') {
      v = this.displayName(model, row);
    } else {
      v = row[f.name] ?? (f.type === 'float' || f.type === 'integer' ? 0 : false);
    }
    if (rest.length === 0) return v;
    const rel = f.relation === undefined ? undefined : this.tables.get(f.relation);
    const next = rel?.get(v as number);
    return next === undefined || f.relation === undefined
      ? false
      : this.valueOf(this.model(f.relation), next, rest.join('.'));
  }

  displayName(model: ModelDef, row: Row): string {
    const f = model.fields.get(model.recName);
    const v = model.recName === 'id' ? row['id'] : row[model.recName];
    if (f?.type === 'many2one' && f.relation !== undefined) {
      const target = this.tables.get(f.relation)?.get(v as number);
      return target === undefined ? String(v) : this.displayName(this.model(f.relation), target);
    }
    if (model.name === 'mrp.workcenter.productivity.loss.type' && typeof v === 'string')
      return v.charAt(0).toUpperCase() + v.slice(1);
    return v === undefined || v === false ? `${model.name},${String(row['id'])}` : String(v);
  }

  /** A field as search_read returns it: many2one as [id, display_name] or false. */
  readField(model: ModelDef, row: Row, name: string): unknown {
    const f = model.fields.get(name);
    if (f === undefined)
      throw valueError(`Invalid field ${JSON.stringify(name)} on model ${JSON.stringify(model.name)}`);
    const v = this.valueOf(model, row, name);
    if (f.type === 'many2one' && typeof v === 'number' && f.relation !== undefined) {
      const target = this.tables.get(f.relation)?.get(v);
      return [v, target === undefined ? `${f.relation},${v}` : this.displayName(this.model(f.relation), target)];
    }
    if ((f.type === 'one2many' || f.type === 'many2many') && v === false) return [];
    return v;
  }

  nowString(): string {
    return formatDatetime(this.options.nowMs());
  }
}
