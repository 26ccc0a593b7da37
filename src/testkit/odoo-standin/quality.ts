// Enterprise quality (ee19 quality/models/quality.py with the quality_control, quality_mrp and
// mrp_workorder extensions): control points, checks and alerts. A check or alert needs a quality
// team (default: the company's or a company-less one, else Odoo's UserError), a check a test type
// (default 'passfail'); writing quality_state pass/fail runs do_pass/do_fail (user and control
// date); a check on a production must be for one of its finished products.
import { userError, validationError, valueError } from './errors.js';
import type { Env, ModelHooks } from './model-hooks.js';
import type { MethodDef } from './methods.js';
import type { Row } from './store.js';

const rowOf = (env: Env, model: string, id: unknown): Row | undefined =>
  typeof id === 'number' && env.store.has(model, id) ? env.store.get(model, id) : undefined;

function qualityTeam(env: Env, companyId: unknown): number {
  const team = env.store
    .rows(
      'quality.alert.team',
      (t) => t['company_id'] === false || t['company_id'] === undefined || t['company_id'] === companyId,
    )
    .sort(
      (a, b) => Number(a['sequence'] ?? 0) - Number(b['sequence'] ?? 0) || (a['id'] as number) - (b['id'] as number),
    )[0];
  if (team === undefined)
    throw userError(
      'No quality teams found for this company! Head over to the configuration menu to create your first quality team.',
    );
  return team['id'] as number;
}

function passFailType(env: Env): number | false {
  const t = env.store.rows(
    'quality.point.test_type',
    (x) => x['technical_name'] === 'passfail' && x['active'] !== false,
  )[0];
  return (t?.['id'] as number | undefined) ?? false;
}

/** Sequences quality.point / quality.check / quality.alert (prefixes of the Enterprise data: unverified). */
const named =
  (code: string, prefix: string) =>
  (env: Env, vals: Row): void => {
    if (vals['name'] === undefined || vals['name'] === 'New') vals['name'] = env.store.nextSequence(code, prefix, 5);
  };

export const pointHooks: ModelHooks = {
  beforeCreate: named('quality.point', 'QCP'),
  defaults: {
    team_id: (env, vals) => qualityTeam(env, vals['company_id'] ?? env.companyId),
    test_type_id: (env) => passFailType(env),
  },
  constrain(env, ids) {
    for (const id of ids) {
      const p = env.store.get('quality.point', id);
      const types = Array.isArray(p['picking_type_ids']) ? (p['picking_type_ids'] as number[]) : [];
      if (
        p['measure_on'] === 'move_line' &&
        types.some((t) => rowOf(env, 'stock.picking.type', t)?.['code'] === 'mrp_operation')
      )
        throw userError('The Quantity quality check type is not possible with manufacturing operation types.');
    }
  },
};

function measureSuccess(env: Env, r: Row): string {
  const point = rowOf(env, 'quality.point', r['point_id']);
  const type = rowOf(env, 'quality.point.test_type', r['test_type_id']);
  if (type?.['technical_name'] !== 'measure' || point === undefined) return 'none';
  const m = Number(r['measure'] ?? 0);
  return m >= Number(point['tolerance_min'] ?? 0) && m <= Number(point['tolerance_max'] ?? 0) ? 'pass' : 'fail';
}

const fromPoint = (field: string) => (env: Env, r: Row) =>
  rowOf(env, 'quality.point', r['point_id'])?.[field] ?? r[field] ?? false;

function setState(env: Env, ids: readonly number[], state: 'pass' | 'fail'): void {
  for (const id of ids)
    env.store.update(
      'quality.check',
      id,
      { quality_state: state, user_id: env.uid, control_date: env.store.nowString() },
      env,
    );
}

export const checkHooks: ModelHooks = {
  beforeCreate: named('quality.check', 'QC'),
  defaults: {
    team_id: (env, vals) => qualityTeam(env, vals['company_id'] ?? env.companyId),
    test_type_id: (env) => passFailType(env),
  },
  computes: [
    {
      field: 'team_id',
      depends: ['point_id'],
      compute: (env, r) => fromPoint('team_id')(env, r) || qualityTeam(env, r['company_id']),
    },
    {
      field: 'test_type_id',
      depends: ['point_id'],
      compute: (env, r) => fromPoint('test_type_id')(env, r) || passFailType(env),
    },
    { field: 'title', depends: ['point_id'], compute: fromPoint('title') },
    { field: 'note', depends: ['point_id'], compute: fromPoint('note') },
    { field: 'measure_on', depends: ['point_id'], compute: (env, r) => fromPoint('measure_on')(env, r) || 'product' },
    { field: 'measure_success', depends: ['measure', 'point_id', 'test_type_id'], compute: measureSuccess },
  ],
  afterWrite(env, ids, vals) {
    // quality.py write: `'quality_state' in vals and not vals.get('user_id') or not vals.get('control_date')`.
    if (('quality_state' in vals && !vals['user_id']) || !vals['control_date']) {
      if (vals['quality_state'] === 'pass') setState(env, ids, 'pass');
      else if (vals['quality_state'] === 'fail') setState(env, ids, 'fail');
    }
  },
  constrain(env, ids) {
    for (const id of ids) {
      const c = env.store.get('quality.check', id);
      const production = rowOf(env, 'mrp.production', c['production_id']);
      if (production === undefined || typeof c['product_id'] !== 'number') continue;
      const finished = env.store
        .rows('stock.move', (m) => m['production_id'] === production['id'])
        .map((m) => m['product_id']);
      if (finished.includes(c['product_id'])) continue;
      const name = String(env.store.get('product.product', c['product_id'])['name']);
      throw validationError(`${name} is not in Production Order ${String(production['name'])}`);
    }
  },
};

export const alertHooks: ModelHooks = {
  beforeCreate: named('quality.alert', 'QA'),
  defaults: {
    team_id: (env, vals) => qualityTeam(env, vals['company_id'] ?? env.companyId),
    stage_id: (env) => {
      const stage = env.store
        .rows('quality.alert.stage', (s) => !Array.isArray(s['team_ids']) || (s['team_ids'] as unknown[]).length === 0)
        .sort(
          (a, b) =>
            Number(a['sequence'] ?? 0) - Number(b['sequence'] ?? 0) || (a['id'] as number) - (b['id'] as number),
        )[0];
      return stage?.['id'] ?? false;
    },
  },
};

const one = (ids: readonly unknown[]): number => {
  if (ids.length !== 1) throw valueError(`Expected singleton: quality.check(${ids.join(', ')},)`);
  return ids[0] as number;
};

export const checkMethods: Readonly<Record<string, MethodDef>> = {
  // mrp_workorder / quality_mrp make both ensure_one; both return None.
  do_pass: {
    params: [],
    onRecords: true,
    run: (_s, _m, ids, _a, env) => {
      setState(env, [one(ids)], 'pass');
      return null;
    },
  },
  do_fail: {
    params: [],
    onRecords: true,
    run: (_s, _m, ids, _a, env) => {
      setState(env, [one(ids)], 'fail');
      return null;
    },
  },
};
