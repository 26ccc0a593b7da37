// In-memory ORM of the Odoo stand-in: create/write/unlink with Odoo's validation (unknown fields,
// types, selections, required fields, many2one targets), x2many commands, context defaults
// (`default_<field>`), stored and non-stored computed fields and the modules' hooks
// (model-hooks.ts). The server runs each call between begin() and commit()/rollback(), so a call
// that fails changes nothing, like Odoo's transaction per request.
import type { Env, HookRegistry, ModelHooks } from './model-hooks.js';
import { StandinOdooError, missingError, notNullError, validationError, valueError } from './errors.js';
import type { X2ManyCommand } from './field-values.js';
import { convertValue, formatDatetime, parseDatetime } from './field-values.js';
import type { Edition, FieldDef, ModelDef, Version } from './schema.js';
import { loadSchema } from './schema.js';

export { StandinOdooError, missingError, userError, validationError, valueError } from './errors.js';
export { formatDatetime, parseDatetime } from './field-values.js';

export type Row = Record<string, unknown>;

export interface StoreOptions {
  readonly nowMs: () => number;
  readonly uid: () => number;
  readonly companyId: () => number;
  readonly version?: Version;
  readonly edition?: Edition;
  /** Optional Community modules installed (schema-extra.ts OPTIONAL_ADDONS). */
  readonly addons?: readonly string[];
  readonly hooks?: HookRegistry;
}

const META = new Set(['id', 'create_date', 'write_date', 'display_name']);

/** What create() needs to know about a model, computed once (the hot path of bulk posting). */
interface ModelPlan {
  readonly hooks: readonly ModelHooks[];
  /** Stored fields a create may default (no x2many, no meta, no non-stored computed), with their default. */
  readonly defaults: readonly (readonly [FieldDef, DefaultFn])[];
  readonly required: readonly FieldDef[];
  /** Fields with a compute hook (their required flag is checked). */
  readonly computed: ReadonlySet<string>;
  readonly allFields: ReadonlySet<string>;
}

type DefaultFn = (env: Env, vals: Row, now: string) => unknown;

interface Prepared {
  readonly row: Row;
  readonly x2many: [string, X2ManyCommand[]][];
  readonly inverses: Row;
}

export class Store {
  readonly version: Version;
  readonly edition: Edition;
  readonly schema: ReadonlyMap<string, ModelDef>;
  readonly addons: ReadonlySet<string>;
  private readonly hooks: HookRegistry;
  private readonly tables = new Map<string, Map<number, Row>>();
  private readonly nextIds = new Map<string, number>();
  private readonly sequences = new Map<string, number>();
  private journal: (() => void)[] | null = null;
  private fakeResourceId = 1;
  private readonly plans = new Map<string, ModelPlan>();

  constructor(private readonly options: StoreOptions) {
    this.version = options.version ?? 19;
    this.edition = options.edition ?? 'community';
    this.addons = new Set(options.addons ?? []);
    this.schema = loadSchema(this.version, this.edition, this.addons);
    this.hooks = options.hooks ?? {};
    for (const name of this.schema.keys()) {
      this.tables.set(name, new Map());
      this.nextIds.set(name, 1);
    }
  }

  /** The environment of a direct (fixture) call: empty context, the API user. */
  env(context: Readonly<Record<string, unknown>> = {}, rpc = false): Env {
    return {
      store: this,
      context,
      uid: this.options.uid(),
      companyId: this.options.companyId(),
      version: this.version,
      edition: this.edition,
      rpc,
    };
  }

  // --- transactions ---------------------------------------------------------------------------

  begin(): void {
    this.journal = [];
  }

  commit(): void {
    this.journal = null;
  }

  rollback(): void {
    const undo = this.journal ?? [];
    this.journal = null;
    for (let i = undo.length - 1; i >= 0; i -= 1) undo[i]?.();
  }

  private remember(undo: () => void): void {
    this.journal?.push(undo);
  }

  // --- access -----------------------------------------------------------------------------------

  model(name: string): ModelDef {
    const m = this.schema.get(name);
    if (m === undefined) throw new StandinOdooError('builtins.KeyError', `Object ${name} doesn't exist`, 404);
    return m;
  }

  table(name: string): Map<number, Row> {
    this.model(name);
    return this.tables.get(name) as Map<number, Row>;
  }

  has(model: string, id: unknown): boolean {
    return typeof id === 'number' && (this.tables.get(model)?.has(id) ?? false);
  }

  /** The stored row (many2one as ids); MissingError when it does not exist. */
  get(model: string, id: number): Row {
    const row = this.table(model).get(id);
    if (row === undefined)
      throw missingError(
        `Record does not exist or has been deleted.\n(Record: ${model}(${id},), User: ${this.options.uid()})`,
      );
    return row;
  }

  rows(model: string, pred: (row: Row) => boolean = () => true): Row[] {
    return [...this.table(model).values()].filter(pred);
  }

  /** Ids of `model` rows whose `field` (a many2one) is `id`. */
  children(model: string, field: string, id: number): number[] {
    return this.rows(model, (r) => r[field] === id).map((r) => r['id'] as number);
  }

  private hooksOf(model: string): readonly ModelHooks[] {
    return this.hooks[model] ?? [];
  }

  private plan(model: ModelDef): ModelPlan {
    let plan = this.plans.get(model.name);
    if (plan !== undefined) return plan;
    const hooks = this.hooksOf(model.name);
    const computed = new Set(hooks.flatMap((h) => (h.computes ?? []).map((c) => c.field)));
    const fields = [...model.fields.values()];
    plan = {
      hooks,
      computed,
      allFields: new Set(model.fields.keys()),
      defaults: fields
        .filter(
          (f) => !META.has(f.name) && f.type !== 'one2many' && f.type !== 'many2many' && !(f.computed && !f.stored),
        )
        .map((f) => [f, this.defaultFn(model, f, hooks)] as const)
        .filter((d): d is readonly [FieldDef, DefaultFn] => d[1] !== undefined),
      required: fields.filter(
        (f) =>
          f.required &&
          f.related === undefined &&
          f.type !== 'one2many' &&
          f.type !== 'many2many' &&
          (!f.computed || computed.has(f.name)), // a computed field without a modelled compute is not checked
      ),
    };
    this.plans.set(model.name, plan);
    return plan;
  }

  nowString(): string {
    return formatDatetime(this.options.nowMs());
  }

  nowMs(): number {
    return this.options.nowMs();
  }

  /** Next value of a named sequence (ir.sequence next_by_code), formatted with prefix and padding. */
  nextSequence(code: string, prefix: string, padding: number): string {
    const n = (this.sequences.get(code) ?? 0) + 1;
    this.sequences.set(code, n);
    this.remember(() => this.sequences.set(code, n - 1));
    return `${prefix}${String(n).padStart(padding, '0')}`;
  }

  // --- raw mutation (business methods: state changes, quant updates) ----------------------------

  /** Writes values as they are (no validation, no hooks), recomputing dependent stored computes. */
  update(model: string, id: number, patch: Row, env: Env = this.env()): void {
    const row = this.get(model, id);
    const before = { ...row };
    this.remember(() => {
      for (const k of Object.keys(row)) delete row[k];
      Object.assign(row, before);
    });
    Object.assign(row, patch, { write_date: this.nowString() });
    this.recompute(model, row, new Set(Object.keys(patch)), env, new Set(Object.keys(patch)));
  }

  private insert(model: string, row: Row, id?: number, now = this.nowString()): number {
    const table = this.table(model);
    const next = this.nextIds.get(model) as number;
    const newId = id ?? next;
    if (newId >= next) this.nextIds.set(model, newId + 1);
    table.set(newId, { ...row, id: newId, create_date: now, write_date: now });
    this.remember(() => {
      table.delete(newId);
      this.nextIds.set(model, next);
    });
    return newId;
  }

  private remove(model: string, id: number): void {
    const table = this.table(model);
    const row = table.get(id);
    if (row === undefined) return;
    table.delete(id);
    this.remember(() => table.set(id, row));
  }

  // --- ORM --------------------------------------------------------------------------------------

  private checkTarget(env: Env, model: ModelDef, f: FieldDef, id: number): void {
    if (f.relation === undefined) return;
    const target = this.tables.get(f.relation);
    if (target === undefined || target.has(id)) return;
    const placeholder = this.hooksOf(f.relation).find((h) => h.placeholder !== undefined);
    if (!env.rpc && placeholder?.placeholder !== undefined) {
      placeholder.placeholder(env, id);
      return;
    }
    throw validationError(
      `The operation cannot be completed: another model requires the record being deleted, or a ` +
        `referenced record does not exist.\n\nModel: ${model.name}, Field: ${f.name} ` +
        `-> ${f.relation} ${id} does not exist`,
    );
  }

  private prepare(env: Env, model: ModelDef, vals: unknown): Prepared {
    if (typeof vals !== 'object' || vals === null || Array.isArray(vals))
      throw valueError(`${model.name}: expected a dict of values, found ${JSON.stringify(vals)}`);
    const row: Row = {};
    const x2many: [string, X2ManyCommand[]][] = [];
    const inverses: Row = {};
    for (const [k, v] of Object.entries(vals as Row)) {
      const f = model.fields.get(k);
      if (f === undefined) throw valueError(`Invalid field '${k}' on model '${model.name}'`);
      if (META.has(k)) continue;
      const value = convertValue(model, f, v);
      if (f.type === 'many2one' && typeof value === 'number') this.checkTarget(env, model, f, value);
      if (f.computed && !f.stored) {
        if (f.inverse) inverses[k] = value; // Odoo ignores non-stored computed values without an inverse
        continue;
      }
      if (f.type === 'one2many' || f.type === 'many2many') x2many.push([k, value as X2ManyCommand[]]);
      else if (f.related !== undefined && !f.stored) continue;
      else row[k] = value;
      if (f.inverse) inverses[k] = value;
    }
    return { row, x2many, inverses };
  }

  /** A field's default as a function, resolved once per model: a module's, else the facts' text. */
  private defaultFn(model: ModelDef, f: FieldDef, hooks: readonly ModelHooks[]): DefaultFn | undefined {
    if (model.name === 'mrp.workcenter' && f.name === 'resource_id') return () => this.fakeResourceId++;
    for (const h of hooks) {
      const d = h.defaults?.[f.name];
      if (d !== undefined) return (env, vals) => d(env, vals);
    }
    const d = f.default;
    if (typeof d === 'number' || typeof d === 'boolean') return () => d;
    if (typeof d !== 'string') return undefined;
    if (d === 'now') return (_env, _vals, now) => now;
    if (d.startsWith('today') && f.type === 'date') return (_env, _vals, now) => now.slice(0, 10);
    if (/company/i.test(d) && f.relation === 'res.company') return (env) => env.companyId;
    if (/user/i.test(d) && f.relation === 'res.users') return (env) => env.uid;
    const quoted = /^'([^']*)'/.exec(d);
    if (quoted !== null) return () => quoted[1];
    if (f.selection?.includes(d) === true) return () => d;
    return undefined;
  }

  private recompute(model: string, row: Row, changed: ReadonlySet<string>, env: Env, given = new Set<string>()): void {
    const fields = this.model(model).fields;
    for (const h of this.hooksOf(model))
      for (const c of h.computes ?? []) {
        if (!fields.has(c.field) || given.has(c.field) || !c.depends.some((d) => changed.has(d))) continue;
        row[c.field] = c.compute(env, row);
        // Later computes may depend on this one (the callers pass a set of their own, or all fields).
        if (!changed.has(c.field)) (changed as Set<string>).add(c.field);
      }
  }

  private checkRequired(model: ModelDef, row: Row, plan: ModelPlan): void {
    for (const f of plan.required) {
      const v = row[f.name];
      if (v === undefined || v === false || v === '') throw notNullError(model.name, f.name);
    }
  }

  create(modelName: string, valsList: readonly unknown[], env: Env = this.env()): number[] {
    const model = this.model(modelName);
    const plan = this.plan(model);
    const hooks = plan.hooks;
    const now = this.nowString();
    const ids: number[] = [];
    for (const given of valsList) {
      if (typeof given !== 'object' || given === null || Array.isArray(given)) this.prepare(env, model, given);
      const vals: Row = { ...(given as Row) };
      for (const [k, v] of Object.entries(env.context))
        if (k.startsWith('default_') && model.fields.has(k.slice(8)) && !(k.slice(8) in vals)) vals[k.slice(8)] = v;
      for (const h of hooks) h.beforeCreate?.(env, vals);
      const { row, x2many, inverses } = this.prepare(env, model, vals);
      const givenKeys = new Set(Object.keys(row));
      for (const [f, fn] of plan.defaults) {
        if (f.name in row) continue;
        const d = fn(env, row, now);
        if (d !== undefined) row[f.name] = d;
      }
      if (hooks.length > 0) this.recompute(modelName, row, plan.allFields, env, givenKeys);
      this.checkRequired(model, row, plan);
      const id = this.insert(modelName, row, undefined, now);
      ids.push(id);
      // ORM constraints run inside super().create(), before the model's create() override goes on.
      for (const h of hooks) h.constrain?.(env, [id], new Set([...Object.keys(vals), ...Object.keys(row)]));
      for (const [field, cmds] of x2many) this.applyX2Many(env, model, id, field, cmds);
      if (x2many.length > 0) for (const h of hooks) h.constrain?.(env, [id], new Set(x2many.map(([k]) => k)));
      for (const h of hooks) h.afterCreate?.(env, id, inverses);
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

  write(modelName: string, ids: readonly unknown[], vals: unknown, env: Env = this.env()): true {
    const model = this.model(modelName);
    const hooks = this.hooksOf(modelName);
    this.existing(modelName, ids);
    const numIds = ids as number[];
    if (typeof vals !== 'object' || vals === null || Array.isArray(vals)) this.prepare(env, model, vals);
    let v: Row = { ...(vals as Row) };
    for (const h of hooks) h.beforeWrite?.(env, numIds, v);
    const { row: patch, x2many, inverses } = this.prepare(env, model, v);
    for (const id of numIds) {
      const row = this.get(modelName, id);
      const before = { ...row };
      this.remember(() => {
        for (const k of Object.keys(row)) delete row[k];
        Object.assign(row, before);
      });
      Object.assign(row, patch, { write_date: this.nowString() });
      this.recompute(modelName, row, new Set(Object.keys(patch)), env, new Set(Object.keys(patch)));
      for (const [field, cmds] of x2many) this.applyX2Many(env, model, id, field, cmds);
    }
    v = { ...v };
    for (const h of hooks) h.afterWrite?.(env, numIds, v, inverses);
    for (const h of hooks) h.constrain?.(env, numIds, new Set(Object.keys(v)));
    return true;
  }

  unlink(modelName: string, ids: readonly unknown[], env: Env = this.env()): true {
    this.existing(modelName, ids);
    for (const h of this.hooksOf(modelName)) h.beforeUnlink?.(env, ids as number[]);
    for (const id of ids) this.remove(modelName, id as number);
    return true;
  }

  private applyX2Many(env: Env, model: ModelDef, id: number, field: string, cmds: readonly X2ManyCommand[]): void {
    const f = model.fields.get(field) as FieldDef;
    const rel = f.relation;
    if (rel === undefined || !this.schema.has(rel)) return;
    const inverse = f.relationField;
    if (f.type === 'one2many' && inverse !== undefined) {
      const setInverse = (child: number, value: number | false): void => {
        if (!this.has(rel, child))
          throw missingError(`Record does not exist or has been deleted.\n(Record: ${rel}(${child},))`);
        this.update(rel, child, { [inverse]: value }, env);
      };
      for (const c of cmds) {
        if (c.op === 'create') this.create(rel, [{ ...c.vals, [inverse]: id }], env);
        else if (c.op === 'update') this.write(rel, [c.id], c.vals, env);
        else if (c.op === 'delete') this.unlink(rel, [c.id], env);
        else if (c.op === 'unlink') setInverse(c.id, false);
        else if (c.op === 'link') setInverse(c.id, id);
        else if (c.op === 'clear') for (const child of this.children(rel, inverse, id)) setInverse(child, false);
        else {
          for (const child of this.children(rel, inverse, id)) if (!c.ids.includes(child)) setInverse(child, false);
          for (const child of c.ids) setInverse(child, id);
        }
      }
      return;
    }
    const row = this.get(model.name, id);
    let list = Array.isArray(row[field]) ? [...(row[field] as number[])] : [];
    for (const c of cmds) {
      if (c.op === 'create') list.push(...this.create(rel, [c.vals], env));
      else if (c.op === 'update') this.write(rel, [c.id], c.vals, env);
      else if (c.op === 'delete') {
        this.unlink(rel, [c.id], env);
        list = list.filter((x) => x !== c.id);
      } else if (c.op === 'unlink') list = list.filter((x) => x !== c.id);
      else if (c.op === 'link') {
        if (!this.has(rel, c.id)) this.checkTarget(env, model, { ...f, type: 'many2one' }, c.id);
        if (!list.includes(c.id)) list.push(c.id);
      } else if (c.op === 'clear') list = [];
      else {
        for (const x of c.ids) if (!this.has(rel, x)) this.checkTarget(env, model, { ...f, type: 'many2one' }, x);
        list = [...c.ids];
      }
    }
    this.update(model.name, id, { [field]: list }, env);
  }

  // --- reading ----------------------------------------------------------------------------------

  /** Value of a (possibly dotted / related) field for reading and domains; many2one as an id. */
  valueOf(model: ModelDef, row: Row, path: string): unknown {
    const [head, ...rest] = path.split('.');
    const f = model.fields.get(head as string);
    if (f === undefined)
      throw valueError(`Invalid field ${JSON.stringify(head)} on model ${JSON.stringify(model.name)}`);
    let v: unknown;
    const read = this.hooksOf(model.name).find((h) => h.reads?.[f.name] !== undefined)?.reads?.[f.name];
    if (read !== undefined) {
      v = read(this.env(), row);
    } else if (f.related !== undefined && !(f.name in row)) {
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
    } else if (f.type === 'one2many') {
      v =
        f.relationField !== undefined && f.relation !== undefined && this.tables.has(f.relation)
          ? this.children(f.relation, f.relationField, row['id'] as number).sort((a, b) => a - b)
          : Array.isArray(row[f.name])
            ? row[f.name]
            : [];
    } else if (f.type === 'many2many') {
      v = Array.isArray(row[f.name]) ? row[f.name] : [];
    } else {
      v = row[f.name] ?? (f.type === 'float' || f.type === 'integer' ? 0 : false);
    }
    if (rest.length === 0) return v;
    if (f.relation === undefined || !this.tables.has(f.relation)) return false;
    const relModel = this.model(f.relation);
    const relTable = this.tables.get(f.relation) as Map<number, Row>;
    if (Array.isArray(v)) {
      const out = new Set<unknown>();
      for (const id of v as number[]) {
        const next = relTable.get(id);
        const sub = next === undefined ? false : this.valueOf(relModel, next, rest.join('.'));
        for (const x of Array.isArray(sub) ? sub : [sub]) if (x !== false) out.add(x);
      }
      return [...out];
    }
    const next = relTable.get(v as number);
    return next === undefined ? false : this.valueOf(relModel, next, rest.join('.'));
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
    return v;
  }

  /** Creates a record with a given id (fixture placeholders). */
  createWithId(modelName: string, id: number, vals: Row, env: Env = this.env()): void {
    const model = this.model(modelName);
    const { row } = this.prepare(env, model, vals);
    this.insert(modelName, row, id);
  }
}

export function datetimeMs(s: unknown): number | undefined {
  return typeof s === 'string' ? parseDatetime(s.length === 10 ? `${s} 00:00:00` : s) : undefined;
}
