// The ORM methods the stand-in exposes over RPC, with their Python signatures (parameter names in
// order) so JSON-RPC positional args and JSON-2 named params bind like Odoo binds them. Business
// methods of one model (button_validate, button_mark_done...) live in the modules' files and are
// found first (findMethod).
import type { AccessRights } from './access.js';
import type { Env } from './model-hooks.js';
import type { Store } from './store.js';
import { StandinOdooError, missingError, valueError } from './store.js';
import { groupRows, readRows, searchRows } from './query.js';

/** What a method sees: the call's environment and the API user's access rights. */
export type MethodEnv = Env & { readonly access: AccessRights };

export interface MethodDef {
  /** Parameter names after `self`/`ids`. */
  readonly params: readonly string[];
  /** Record method (takes ids) or @api.model. */
  readonly onRecords: boolean;
  /** Only these Odoo major versions (default: all). */
  readonly versions?: readonly number[];
  /** Only for this model (default: every served model). */
  readonly model?: string;
  run(
    store: Store,
    model: string,
    ids: readonly unknown[],
    a: Readonly<Record<string, unknown>>,
    ctx: MethodEnv,
  ): unknown;
}

export type ModelMethods = Readonly<Record<string, Readonly<Record<string, MethodDef>>>>;

/** The method a call reaches: the model's own first, then the generic ORM ones. */
export function findMethod(
  byModel: ModelMethods,
  model: string,
  method: string,
  version: number,
): MethodDef | undefined {
  const own = byModel[model]?.[method];
  const def = own ?? METHODS[method];
  if (def === undefined) return undefined;
  if (def.versions !== undefined && !def.versions.includes(version)) return undefined;
  if (def.model !== undefined && def.model !== model) return undefined;
  return def;
}

const searchParams = ['domain', 'offset', 'limit', 'order'];

/** Served models that inherit mail.thread (mrp.workorder does only in newer versions). */
export const MAIL_THREAD_MODELS: readonly string[] = [
  'mrp.production',
  'mrp.workcenter',
  'stock.scrap',
  'stock.picking',
  'stock.lot',
  'maintenance.equipment',
  'maintenance.request',
  'quality.point',
  'quality.check',
  'quality.alert',
  'quality.alert.team',
];

export const METHODS: Readonly<Record<string, MethodDef>> = {
  create: {
    params: ['vals_list'],
    onRecords: false,
    run: (store, model, _ids, a, env) => {
      const v = a['vals_list'];
      return store.create(model, Array.isArray(v) ? v : [v], env);
    },
  },
  write: {
    params: ['vals'],
    onRecords: true,
    run: (store, model, ids, a, env) => store.write(model, ids, a['vals'], env),
  },
  unlink: { params: [], onRecords: true, run: (store, model, ids, _a, env) => store.unlink(model, ids, env) },
  read: {
    params: ['fields', 'load'],
    onRecords: true,
    run: (store, model, ids, a) => {
      const table = store.table(model);
      const rows = ids
        .filter((id) => table.has(id as number))
        .map((id) => table.get(id as number) as Record<string, unknown>);
      if (rows.length !== ids.length)
        throw missingError(`Record does not exist or has been deleted.\n(Record: ${model}(${ids.join(', ')},))`);
      return readRows(store, model, rows, a['fields']);
    },
  },
  search: {
    params: searchParams,
    onRecords: false,
    run: (store, model, _ids, a) => searchRows(store, model, a).map((r) => r['id']),
  },
  search_read: {
    params: ['domain', 'fields', 'offset', 'limit', 'order'],
    onRecords: false,
    run: (store, model, _ids, a) => readRows(store, model, searchRows(store, model, a), a['fields']),
  },
  search_count: {
    params: ['domain', 'limit'],
    onRecords: false,
    run: (store, model, _ids, a) => {
      const n = searchRows(store, model, { domain: a['domain'] }).length;
      return typeof a['limit'] === 'number' ? Math.min(n, a['limit']) : n;
    },
  },
  read_group: {
    params: ['domain', 'fields', 'groupby', 'offset', 'limit', 'orderby', 'lazy'],
    onRecords: false,
    versions: [17, 18],
    run: (store, model, _ids, a) => {
      const fields = Array.isArray(a['fields'])
        ? (a['fields'] as unknown[]).filter((f): f is string => typeof f === 'string')
        : [];
      const aggs = fields.map((f) => (f.includes(':') ? f : `${f}:sum`));
      const groupby = typeof a['groupby'] === 'string' ? [a['groupby']] : a['groupby'];
      const lazy = a['lazy'] !== false;
      if (lazy && Array.isArray(groupby) && groupby.length > 1)
        throw valueError('The stand-in supports read_group with lazy=False only for several groupby fields');
      return groupRows(store, model, a['domain'], groupby, aggs).map((g) => {
        const row: Record<string, unknown> = { ...g.groups };
        for (const spec of aggs) row[spec.split(':')[0] as string] = g.values[spec];
        const countKey =
          lazy && Array.isArray(groupby) && typeof groupby[0] === 'string' ? `${groupby[0]}_count` : '__count';
        row[countKey] = g.count;
        return row;
      });
    },
  },
  formatted_read_group: {
    params: ['domain', 'groupby', 'aggregates', 'having', 'offset', 'limit', 'order'],
    onRecords: false,
    versions: [19],
    run: (store, model, _ids, a) => {
      const aggregates = Array.isArray(a['aggregates'])
        ? (a['aggregates'] as unknown[]).filter((f): f is string => typeof f === 'string')
        : [];
      const real = aggregates.filter((s) => s !== '__count');
      return groupRows(store, model, a['domain'], a['groupby'] ?? [], real).map((g) => {
        const row: Record<string, unknown> = { ...g.groups };
        for (const spec of real) row[spec] = g.values[spec];
        if (aggregates.includes('__count')) row['__count'] = g.count;
        return row;
      });
    },
  },
  fields_get: {
    params: ['allfields', 'attributes'],
    onRecords: false,
    run: (store, model, _ids, a) => {
      const def = store.model(model);
      const only =
        Array.isArray(a['allfields']) && a['allfields'].length > 0 ? new Set(a['allfields'] as string[]) : undefined;
      const attrs =
        Array.isArray(a['attributes']) && a['attributes'].length > 0 ? new Set(a['attributes'] as string[]) : undefined;
      const out: Record<string, unknown> = {};
      for (const f of def.fields.values()) {
        if (only !== undefined && !only.has(f.name)) continue;
        const desc: Record<string, unknown> = {
          type: f.type === 'reference_int' ? 'many2one_reference' : f.type,
          required: f.required,
          store: f.stored,
          readonly: f.readonly,
          searchable: f.stored || f.related !== undefined,
          ...(f.relation === undefined ? {} : { relation: f.relation }),
          ...(f.relationField === undefined ? {} : { relation_field: f.relationField }),
          ...(f.selectionPairs === undefined ? {} : { selection: f.selectionPairs.map((p) => [...p]) }),
        };
        out[f.name] =
          attrs === undefined ? desc : Object.fromEntries(Object.entries(desc).filter(([k]) => attrs.has(k)));
      }
      return out;
    },
  },
  check_object_reference: {
    params: ['module', 'xml_id', 'raise_on_access_error'],
    onRecords: false,
    model: 'ir.model.data',
    run: (store, _model, _ids, a) => {
      const rows = searchRows(store, 'ir.model.data', {
        domain: [
          ['module', '=', a['module']],
          ['name', '=', a['xml_id']],
        ],
      });
      const row = rows[0];
      if (row === undefined)
        throw valueError(`External ID not found in the system: ${String(a['module'])}.${String(a['xml_id'])}`);
      return [row['model'], row['res_id']];
    },
  },
  // mail.thread's message_post (models that inherit mail.thread): stores a mail.message, returns its id.
  message_post: {
    params: ['body', 'subject', 'message_type', 'subtype_xmlid', 'partner_ids', 'attachments'],
    onRecords: true,
    run: (store, model, ids, a, ctx) => {
      if (!MAIL_THREAD_MODELS.includes(model))
        throw new StandinOdooError('builtins.AttributeError', `'${model}' object has no attribute 'message_post'`, 404);
      if (ids.length !== 1) throw valueError(`Expected singleton: ${model}(${ids.join(', ')},)`);
      if (!store.table(model).has(ids[0] as number))
        throw missingError(`Record does not exist or has been deleted.\n(Record: ${model}(${String(ids[0])},))`);
      const [id] = store.create(
        'mail.message',
        [
          {
            model,
            res_id: ids[0],
            body: typeof a['body'] === 'string' ? a['body'] : '',
            message_type: typeof a['message_type'] === 'string' ? a['message_type'] : 'comment',
            subtype_xmlid: typeof a['subtype_xmlid'] === 'string' ? a['subtype_xmlid'] : false,
            author_id: ctx.uid,
          },
        ],
        ctx,
      );
      return id;
    },
  },
  // ir.model.access for the API user: 17 (and, deprecated, 18 and 19); false or AccessError when denied.
  check_access_rights: {
    params: ['operation', 'raise_exception'],
    onRecords: false,
    run: (_store, model, _ids, a, ctx) => {
      if (a['raise_exception'] === false) return ctx.access.allows(model, a['operation']);
      ctx.access.check(model, a['operation'] as never);
      return true;
    },
  },
  // 18+: on an empty recordset, the model-level right (no record rules in the stand-in).
  has_access: {
    params: ['operation'],
    onRecords: true,
    versions: [18, 19],
    run: (_store, model, _ids, a, ctx) => ctx.access.allows(model, a['operation']),
  },
  context_get: {
    params: [],
    onRecords: false,
    model: 'res.users',
    run: (_store, _model, _ids, _a, ctx) => ({ lang: 'en_US', tz: 'UTC', uid: ctx.uid }),
  },
};

/** Binds positional and named arguments like Python would; TypeError on unknown or duplicate names. */
export function bindArgs(
  method: string,
  def: MethodDef,
  positional: readonly unknown[],
  named: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  if (positional.length > def.params.length) {
    throw new StandinOdooError(
      'builtins.TypeError',
      `${method}() takes ${def.params.length} positional arguments but ${positional.length} were given`,
      422,
    );
  }
  const out: Record<string, unknown> = {};
  positional.forEach((v, i) => {
    out[def.params[i] as string] = v;
  });
  for (const [k, v] of Object.entries(named)) {
    if (k === 'context') continue;
    if (!def.params.includes(k))
      throw new StandinOdooError('builtins.TypeError', `${method}() got an unexpected keyword argument '${k}'`, 422);
    if (k in out)
      throw new StandinOdooError('builtins.TypeError', `${method}() got multiple values for argument '${k}'`, 422);
    out[k] = v;
  }
  if ((method === 'create' && !('vals_list' in out)) || (method === 'write' && !('vals' in out))) {
    throw new StandinOdooError(
      'builtins.TypeError',
      `${method}() missing 1 required positional argument: '${def.params[0] ?? ''}'`,
      422,
    );
  }
  return out;
}
