// Enterprise mrp_maintenance (ee19 mrp_maintenance/models/mrp_maintenance.py, ee18 alike): a
// request is for an equipment (its work center follows the equipment) or for a work center; a
// scheduled work-center request with block_workcenter gets calendar leaves (resource.calendar.
// leaves, time_type 'leave') on the work center, and on create refuses a slot already taken by
// work orders (leaves of time_type 'other') with Odoo's UserError.
import { userError } from './errors.js';
import type { Env, ModelHooks } from './model-hooks.js';
import { datetimeMs, formatDatetime } from './store.js';
import type { Row } from './store.js';

const HOUR = 3_600_000;
const RECREATE = [
  'workcenter_id',
  'schedule_date',
  'schedule_end',
  'maintenance_type',
  'recurring_maintenance',
  'repeat_interval',
  'repeat_unit',
  'repeat_type',
  'repeat_until',
  'block_workcenter',
  'recurring_leaves_count',
];

const rowOf = (env: Env, model: string, id: unknown): Row | undefined =>
  typeof id === 'number' && env.store.has(model, id) ? env.store.get(model, id) : undefined;

/** First start at or after `fromMs` where no work-order leave of the work center overlaps `hours`. */
function firstFreeSlot(env: Env, resourceId: unknown, fromMs: number, hours: number): number {
  let start = fromMs;
  for (let guard = 0; guard < 1000; guard += 1) {
    const end = start + hours * HOUR;
    const overlapping = env.store.rows(
      'resource.calendar.leaves',
      (l) =>
        l['time_type'] === 'other' &&
        l['resource_id'] === resourceId &&
        (datetimeMs(l['date_from']) ?? 0) < end &&
        (datetimeMs(l['date_to']) ?? 0) > start,
    );
    if (overlapping.length === 0) return start;
    start = Math.max(...overlapping.map((l) => datetimeMs(l['date_to']) ?? start));
  }
  return start;
}

function recreateLeaves(env: Env, ids: readonly number[], raiseOnTaken: boolean): void {
  for (const id of ids) {
    const r = env.store.get('maintenance.request', id);
    const old = Array.isArray(r['leave_ids']) ? (r['leave_ids'] as number[]) : [];
    for (const l of old)
      if (env.store.has('resource.calendar.leaves', l)) env.store.unlink('resource.calendar.leaves', [l], env);
    if (old.length > 0) env.store.update('maintenance.request', id, { leave_ids: [] }, env);
    if (r['archive'] === true || r['maintenance_for'] !== 'workcenter') continue;
    const desired = datetimeMs(r['schedule_date']);
    if (desired === undefined) continue;
    const wc = rowOf(env, 'mrp.workcenter', r['workcenter_id']);
    if (wc === undefined) throw userError(`The workcenter is missing for ${String(r['name'])}.`);
    if (r['block_workcenter'] !== true) continue;
    const stage = rowOf(env, 'maintenance.stage', r['stage_id']);
    if (stage?.['done'] === true || stage?.['create_leaves'] === false) continue;
    const hours = Number(r['duration'] ?? 0) || 1;
    if (firstFreeSlot(env, wc['resource_id'], desired, hours) !== desired && raiseOnTaken)
      throw userError('Manufacturing Orders are already scheduled for this time slot.');
    const count =
      1 +
      (r['maintenance_type'] === 'preventive' && r['recurring_maintenance'] === true
        ? Number(r['recurring_leaves_count'] ?? 0)
        : 0);
    const leaves: number[] = [];
    let date = desired;
    let first: [number, number] | undefined;
    for (let i = 0; i < count; i += 1) {
      const from = firstFreeSlot(env, wc['resource_id'], date, hours);
      const to = from + hours * HOUR;
      first ??= [from, to];
      leaves.push(
        ...env.store.create(
          'resource.calendar.leaves',
          [
            {
              name: String(r['name']),
              resource_id: wc['resource_id'],
              calendar_id: wc['resource_calendar_id'] ?? false,
              date_from: formatDatetime(from),
              date_to: formatDatetime(to),
              time_type: 'leave',
            },
          ],
          { ...env, context: {} },
        ),
      );
      date += 7 * 24 * HOUR * Number(r['repeat_interval'] ?? 1);
    }
    const [from, to] = first ?? [desired, desired + hours * HOUR];
    env.store.update(
      'maintenance.request',
      id,
      {
        schedule_date: formatDatetime(from),
        ...(env.version >= 19 ? { schedule_end: formatDatetime(to) } : {}),
        leave_ids: leaves,
      },
      env,
    );
  }
}

export const mrpMaintenanceRequestHooks: ModelHooks = {
  computes: [
    {
      field: 'equipment_id',
      depends: ['maintenance_for'],
      compute: (_env, r) => (r['maintenance_for'] === 'workcenter' ? false : (r['equipment_id'] ?? false)),
    },
    {
      field: 'workcenter_id',
      depends: ['maintenance_for', 'equipment_id'],
      compute: (env, r) =>
        r['maintenance_for'] === 'equipment'
          ? (rowOf(env, 'maintenance.equipment', r['equipment_id'])?.['workcenter_id'] ?? false)
          : (r['workcenter_id'] ?? false),
    },
  ],
  afterCreate(env, id) {
    recreateLeaves(env, [id], true);
  },
  afterWrite(env, ids, vals) {
    if (!('leave_ids' in vals) && RECREATE.some((k) => k in vals)) recreateLeaves(env, ids, true);
    else if ('stage_id' in vals) recreateLeaves(env, ids, false);
  },
  beforeUnlink(env, ids) {
    for (const id of ids) {
      const leaves = env.store.get('maintenance.request', id)['leave_ids'];
      for (const l of Array.isArray(leaves) ? (leaves as number[]) : [])
        if (env.store.has('resource.calendar.leaves', l)) env.store.unlink('resource.calendar.leaves', [l], env);
    }
  },
};

export const mrpMaintenanceWorkcenterHooks: ModelHooks = {
  reads: {
    maintenance_count: (env, r) => env.store.rows('maintenance.request', (q) => q['workcenter_id'] === r['id']).length,
    maintenance_open_count: (env, r) =>
      env.store.rows('maintenance.request', (q) => {
        if (q['workcenter_id'] !== r['id'] || q['archive'] === true) return false;
        return rowOf(env, 'maintenance.stage', q['stage_id'])?.['done'] !== true;
      }).length,
  },
};
