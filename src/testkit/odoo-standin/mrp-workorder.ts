// mrp.workorder addenda (mrp_workorder.py, 17.0 and 19.0 copies) and the productivity log's
// duration: qty_producing mirrors the MO (its inverse pushes a non-zero value to the MO and its
// components), qty_produced is a plain field on 17/18 and checked + propagated on 19, and the
// buttons start/pending/finish run the timers. record_production does not exist (17-19).
import { userError } from './errors.js';
import type { Env, ModelHooks } from './model-hooks.js';
import type { MethodDef } from './methods.js';
import { mo, rawMoves, setQtyProducing } from './mrp-production.js';
import { setPicked } from './stock-move-hooks.js';
import { roundQty } from './stock-quants.js';
import { setMoveQuantity } from './stock-moves.js';
import { parseDatetime } from './store.js';
import type { Row } from './store.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

export const productivityHooks: ModelHooks = {
  computes: [
    {
      field: 'duration',
      depends: ['date_start', 'date_end'],
      // Minutes, 2 decimals, from second-precision dates (sub-seconds are already dropped).
      compute: (_env, r) => {
        const s = r['date_start'];
        const e = r['date_end'];
        return typeof s === 'string' && typeof e === 'string'
          ? Math.round(((parseDatetime(e) - parseDatetime(s)) / 60_000) * 100) / 100
          : 0;
      },
    },
  ],
};

const wo = (env: Env, id: number): Row => env.store.get('mrp.workorder', id);

export const workorderHooks: ModelHooks = {
  reads: {
    qty_producing: (env, r) =>
      typeof r['production_id'] === 'number' ? num(mo(env, r['production_id'])['qty_producing']) : 0,
    qty_remaining: (env, r) => {
      const p = typeof r['production_id'] === 'number' ? mo(env, r['production_id']) : undefined;
      return Math.max(
        roundQty(num(p?.['product_qty']) - num(r['qty_reported_from_previous_wo']) - num(r['qty_produced'])),
        0,
      );
    },
    is_user_working: (env, r) =>
      env.store.rows(
        'mrp.workcenter.productivity',
        (t) => t['workorder_id'] === r['id'] && !t['date_end'] && t['user_id'] === env.uid,
      ).length > 0,
  },
  beforeWrite(env, ids, vals) {
    for (const id of ids) {
      const w = wo(env, id);
      if (env.version >= 19 && 'qty_produced' in vals) {
        if (w['state'] === 'done' || w['state'] === 'cancel')
          throw userError('You cannot change the quantity produced of a work order that is in done or cancel state.');
        if (num(vals['qty_produced']) < 0) throw userError('The quantity produced must be positive.');
      }
      if ('production_id' in vals && vals['production_id'] !== w['production_id'])
        throw userError('You cannot link this work order to another manufacturing order.');
      if (
        'workcenter_id' in vals &&
        vals['workcenter_id'] !== w['workcenter_id'] &&
        (w['state'] === 'done' || w['state'] === 'cancel')
      )
        throw userError('You cannot change the workcenter of a work order that is done.');
      // finished_lot_id is related (readonly=False) to the MO's lot_producing_id on 17/18.
      if ('finished_lot_id' in vals && typeof w['production_id'] === 'number')
        env.store.write('mrp.production', [w['production_id']], { lot_producing_id: vals['finished_lot_id'] }, env);
    }
  },
  afterWrite(env, ids, vals, inverses) {
    if (typeof inverses['qty_producing'] === 'number' && inverses['qty_producing'] !== 0)
      for (const id of ids) {
        const p = wo(env, id)['production_id'];
        if (typeof p !== 'number' || num(mo(env, p)['qty_producing']) === inverses['qty_producing']) continue;
        env.store.update('mrp.production', p, { qty_producing: inverses['qty_producing'] }, env);
        setQtyProducing(env, p, false);
      }
    // 19: a positive qty_produced sets the MO's qty_producing to the least produced over its work orders.
    if (env.version >= 19 && 'qty_produced' in vals && num(vals['qty_produced']) > 0) {
      const productions = new Set(
        ids.map((id) => wo(env, id)['production_id']).filter((p): p is number => typeof p === 'number'),
      );
      for (const p of productions) {
        const all = env.store.rows('mrp.workorder', (w) => w['production_id'] === p);
        const least = Math.min(...all.map((w) => num(w['qty_produced'])));
        if (least > 0) {
          env.store.update('mrp.production', p, { qty_producing: least }, env);
          setQtyProducing(env, p, false);
        }
      }
    }
  },
};

function openLogs(env: Env, workorderId: number, userOnly: boolean): Row[] {
  return env.store.rows(
    'mrp.workcenter.productivity',
    (t) => t['workorder_id'] === workorderId && !t['date_end'] && (!userOnly || t['user_id'] === env.uid),
  );
}

function closeLogs(env: Env, logs: readonly Row[]): void {
  for (const t of logs)
    env.store.write('mrp.workcenter.productivity', [t['id']], { date_end: env.store.nowString() }, env);
}

function productiveLoss(env: Env): number {
  const loss = env.store.rows('mrp.workcenter.productivity.loss').find((l) => {
    const type =
      typeof l['loss_id'] === 'number'
        ? env.store.get('mrp.workcenter.productivity.loss.type', l['loss_id'])
        : undefined;
    return type?.['loss_type'] === 'productive';
  });
  if (loss === undefined)
    throw userError(
      "You need to define at least one productivity loss in the category 'Productivity'. " +
        'Create one from the Manufacturing app, menu: Configuration / Productivity Losses.',
    );
  return loss['id'] as number;
}

/** button_finish: components from qty_producing, timers closed, quantity, state done. */
export function finishWorkorders(env: Env, ids: readonly number[]): true {
  const now = env.store.nowString();
  for (const id of ids) {
    const w = wo(env, id);
    if (w['state'] === 'done' || w['state'] === 'cancel') continue;
    const p = mo(env, w['production_id'] as number);
    for (const m of rawMoves(env, p['id'] as number).filter((x) => x['workorder_id'] === id && x['picked'] !== true)) {
      const qty = num(p['qty_producing']) > 0 ? num(p['qty_producing']) : num(p['product_qty']);
      setMoveQuantity(env, m['id'] as number, roundQty(qty * num(m['unit_factor'])));
      setPicked(env, m['id'] as number, true);
    }
    closeLogs(env, openLogs(env, id, false));
    const produced = num(w['qty_produced']) || num(p['qty_producing']) || num(p['product_qty']);
    env.store.update(
      'mrp.workorder',
      id,
      { qty_produced: produced, state: 'done', date_finished: now, ...(w['date_start'] ? {} : { date_start: now }) },
      env,
    );
  }
  return true;
}

const rec = (run: MethodDef['run']): MethodDef => ({ params: [], onRecords: true, run });

export const workorderMethods: Readonly<Record<string, MethodDef>> = {
  // Returns None (XML-RPC cannot marshal it; JSON-RPC answers without `result`).
  button_start: rec((_s, _m, ids, _a, env) => {
    for (const id of ids as number[]) {
      const w = wo(env, id);
      if (w['state'] === 'done' || w['state'] === 'cancel')
        throw userError('You cannot start a work order that is already done or cancelled');
      const wc = env.store.get('mrp.workcenter', w['workcenter_id'] as number);
      if (wc['working_state'] === 'blocked') throw userError('Please unblock the work center to start the work order.');
      if (openLogs(env, id, true).length > 0) continue;
      const p = mo(env, w['production_id'] as number);
      if (num(p['qty_producing']) === 0)
        env.store.update(
          'mrp.production',
          p['id'] as number,
          { qty_producing: roundQty(num(p['product_qty']) - num(w['qty_produced'])) },
          env,
        );
      env.store.create(
        'mrp.workcenter.productivity',
        [
          {
            workcenter_id: w['workcenter_id'],
            workorder_id: id,
            loss_id: productiveLoss(env),
            date_start: env.store.nowString(),
            user_id: env.uid,
            company_id: wc['company_id'] || env.companyId,
            description: `Time Tracking: ${env.store.get('res.users', env.uid)['name'] as string}`,
          },
        ],
        env,
      );
      env.store.update(
        'mrp.workorder',
        id,
        { state: 'progress', ...(w['date_start'] ? {} : { date_start: env.store.nowString() }) },
        env,
      );
      if (!['progress', 'to_close', 'done'].includes(String(p['state'])))
        env.store.update(
          'mrp.production',
          p['id'] as number,
          { state: 'progress', date_start: env.store.nowString() },
          env,
        );
    }
    return null;
  }),
  button_pending: rec((_s, _m, ids, _a, env) => {
    for (const id of ids as number[]) closeLogs(env, openLogs(env, id, true));
    return null;
  }),
  end_all: rec((_s, _m, ids, _a, env) => {
    for (const id of ids as number[]) closeLogs(env, openLogs(env, id, false));
    return true;
  }),
  button_finish: rec((_s, _m, ids, _a, env) => finishWorkorders(env, ids as number[])),
  action_mark_as_done: rec((_s, _m, ids, _a, env) => {
    for (const id of ids as number[]) {
      const w = wo(env, id);
      if (env.store.get('mrp.workcenter', w['workcenter_id'] as number)['working_state'] === 'blocked')
        throw userError('Please unblock the work center to validate the work order');
    }
    finishWorkorders(env, ids as number[]);
    return null;
  }),
};
