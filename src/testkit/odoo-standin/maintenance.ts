// maintenance (Community; maintenance.py of the 18.0 and 19.0 copies, 17.0 assumed like 18.0 as
// the facts say): requests with their default stage and team, technician from the equipment,
// close_date kept with the stage's done flag, schedule_end (+1 h) and a computed duration on 19
// (a plain float on 17/18), the recurrence copy when a recurring preventive request is done, and
// equipment with its unique serial number.
import { validationError } from './errors.js';
import type { Env, ModelHooks } from './model-hooks.js';
import type { MethodDef } from './methods.js';
import { datetimeMs, formatDatetime } from './store.js';
import type { Row } from './store.js';

const HOUR = 3_600_000;
const rowOf = (env: Env, model: string, id: unknown): Row | undefined =>
  typeof id === 'number' && env.store.has(model, id) ? env.store.get(model, id) : undefined;

export function firstStage(env: Env): number | false {
  const stages = env.store
    .rows('maintenance.stage')
    .sort(
      (a, b) => Number(a['sequence'] ?? 0) - Number(b['sequence'] ?? 0) || (a['id'] as number) - (b['id'] as number),
    );
  return (stages[0]?.['id'] as number | undefined) ?? false;
}

function defaultTeam(env: Env): number | false {
  const teams = env.store.rows('maintenance.team', (t) => t['active'] !== false);
  const own = teams.find((t) => t['company_id'] === env.companyId) ?? teams[0];
  return (own?.['id'] as number | undefined) ?? false;
}

const isDone = (env: Env, stageId: unknown): boolean => rowOf(env, 'maintenance.stage', stageId)?.['done'] === true;

const addMs = (s: unknown, ms: number): string | false => {
  const t = datetimeMs(s);
  return t === undefined ? false : formatDatetime(t + ms);
};

const REPEAT_MS: Readonly<Record<string, (d: Date, n: number) => void>> = {
  day: (d, n) => d.setUTCDate(d.getUTCDate() + n),
  week: (d, n) => d.setUTCDate(d.getUTCDate() + 7 * n),
  month: (d, n) => d.setUTCMonth(d.getUTCMonth() + n),
  year: (d, n) => d.setUTCFullYear(d.getUTCFullYear() + n),
};

export const requestHooks: ModelHooks = {
  defaults: {
    stage_id: (env) => firstStage(env),
    owner_user_id: (env) => env.uid,
    request_date: (env) => env.store.nowString().slice(0, 10),
  },
  computes: [
    {
      // The equipment's team wins; a team of another company is dropped (then the default applies).
      field: 'maintenance_team_id',
      depends: ['company_id', 'equipment_id'],
      compute: (env, r) => {
        let team =
          rowOf(env, 'maintenance.equipment', r['equipment_id'])?.['maintenance_team_id'] ?? r['maintenance_team_id'];
        const t = rowOf(env, 'maintenance.team', team);
        if (t !== undefined && typeof t['company_id'] === 'number' && t['company_id'] !== r['company_id']) team = false;
        return team === undefined || team === false ? defaultTeam(env) : team;
      },
    },
    {
      field: 'user_id',
      depends: ['company_id', 'equipment_id'],
      compute: (env, r) => {
        const eq = rowOf(env, 'maintenance.equipment', r['equipment_id']);
        if (eq === undefined) return r['user_id'] ?? false;
        return (
          eq['technician_user_id'] ||
          rowOf(env, 'maintenance.equipment.category', eq['category_id'])?.['technician_user_id'] ||
          false
        );
      },
    },
    {
      field: 'recurring_maintenance',
      depends: ['maintenance_type'],
      compute: (_env, r) => (r['maintenance_type'] === 'preventive' ? (r['recurring_maintenance'] ?? false) : false),
    },
    {
      field: 'schedule_end',
      depends: ['schedule_date'],
      compute: (env, r) => (env.version >= 19 ? addMs(r['schedule_date'], HOUR) : undefined),
    },
    {
      // 19: hours between schedule_date and schedule_end (2 decimals), 0 without both; 17/18 keep the plain field.
      field: 'duration',
      depends: ['schedule_date', 'schedule_end'],
      compute: (env, r) => {
        if (env.version < 19) return r['duration'] ?? 0;
        const s = datetimeMs(r['schedule_date']);
        const e = datetimeMs(r['schedule_end']);
        return s === undefined || e === undefined ? 0 : Math.round(((e - s) / HOUR) * 100) / 100;
      },
    },
  ],
  afterCreate(env, id) {
    const r = env.store.get('maintenance.request', id);
    const done = isDone(env, r['stage_id']);
    if (r['close_date'] && !done) env.store.update('maintenance.request', id, { close_date: false }, env);
    if (!r['close_date'] && done)
      env.store.update('maintenance.request', id, { close_date: env.store.nowString().slice(0, 10) }, env);
  },
  beforeWrite(env, ids, vals) {
    if ('stage_id' in vals && !('kanban_state' in vals)) vals['kanban_state'] = 'normal';
    if ('stage_id' in vals && isDone(env, vals['stage_id']))
      for (const id of ids) {
        const r = env.store.get('maintenance.request', id);
        if (r['maintenance_type'] !== 'preventive' || r['recurring_maintenance'] !== true) continue;
        const start = new Date(datetimeMs(r['schedule_date']) ?? env.store.nowMs());
        REPEAT_MS[String(r['repeat_unit'] ?? 'week')]?.(start, Number(r['repeat_interval'] ?? 1));
        const until = r['repeat_until'];
        if (
          r['repeat_type'] === 'until' &&
          typeof until === 'string' &&
          formatDatetime(start.getTime()).slice(0, 10) > until
        )
          continue;
        const copy: Row = {};
        for (const k of [
          'name',
          'company_id',
          'equipment_id',
          'maintenance_type',
          'maintenance_team_id',
          'user_id',
          'description',
          'priority',
          'recurring_maintenance',
          'repeat_interval',
          'repeat_unit',
          'repeat_type',
          'repeat_until',
          'duration',
        ])
          if (r[k] !== undefined && r[k] !== false && env.store.model('maintenance.request').fields.has(k))
            copy[k] = r[k];
        const next = formatDatetime(start.getTime());
        const hours = Number(r['duration'] ?? 0) || 1;
        env.store.create(
          'maintenance.request',
          [
            {
              ...copy,
              schedule_date: next,
              ...(env.version >= 19 ? { schedule_end: addMs(next, hours * HOUR) } : {}),
              stage_id: firstStage(env),
            },
          ],
          { ...env, context: {} },
        );
      }
  },
  afterWrite(env, ids, vals) {
    if (!('stage_id' in vals)) return;
    const today = env.store.nowString().slice(0, 10);
    for (const id of ids) {
      const r = env.store.get('maintenance.request', id);
      env.store.update('maintenance.request', id, { close_date: isDone(env, r['stage_id']) ? today : false }, env);
    }
  },
  constrain(env, ids, fields) {
    for (const id of ids) {
      const r = env.store.get('maintenance.request', id);
      if (env.version >= 19 && (fields.has('schedule_end') || fields.has('schedule_date'))) {
        const s = datetimeMs(r['schedule_date']);
        const e = datetimeMs(r['schedule_end']);
        if (s !== undefined && e !== undefined && s > e)
          throw validationError('End date cannot be earlier than start date.');
      }
      if (fields.has('repeat_interval') && Number(r['repeat_interval'] ?? 1) < 1)
        throw validationError('The repeat interval cannot be less than 1.');
    }
  },
};

export const equipmentHooks: ModelHooks = {
  reads: {
    maintenance_count: (env, r) => env.store.rows('maintenance.request', (q) => q['equipment_id'] === r['id']).length,
    maintenance_open_count: (env, r) =>
      env.store.rows(
        'maintenance.request',
        (q) => q['equipment_id'] === r['id'] && q['archive'] !== true && !isDone(env, q['stage_id']),
      ).length,
    mtbf: () => 0,
    mttr: () => 0,
    latest_failure_date: () => false,
    estimated_next_failure: () => false,
  },
  computes: [
    {
      field: 'maintenance_team_id',
      depends: ['company_id'],
      compute: (env, r) => {
        const t = rowOf(env, 'maintenance.team', r['maintenance_team_id']);
        return t !== undefined && typeof t['company_id'] === 'number' && t['company_id'] !== r['company_id']
          ? false
          : (r['maintenance_team_id'] ?? false);
      },
    },
  ],
  constrain(env, ids, fields) {
    if (!fields.has('serial_no')) return;
    for (const id of ids) {
      const serial = env.store.get('maintenance.equipment', id)['serial_no'];
      if (typeof serial !== 'string' || serial === '') continue;
      // SQL unique(serial_no) over the whole database; the RPC layer reports the constraint's message.
      if (env.store.rows('maintenance.equipment', (e) => e['id'] !== id && e['serial_no'] === serial).length > 0)
        throw validationError('Another asset already exists with this serial number!');
    }
  },
};

export const teamHooks: ModelHooks = {
  reads: {
    todo_request_count: (env, r) =>
      env.store.rows(
        'maintenance.request',
        (q) => q['maintenance_team_id'] === r['id'] && !isDone(env, q['stage_id']) && q['archive'] !== true,
      ).length,
  },
};

const rec = (run: MethodDef['run']): MethodDef => ({ params: [], onRecords: true, run });

export const requestMethods: Readonly<Record<string, MethodDef>> = {
  // Both return None.
  archive_equipment_request: rec((_s, _m, ids, _a, env) => {
    env.store.write('maintenance.request', ids, { archive: true, recurring_maintenance: false }, env);
    return null;
  }),
  reset_equipment_request: rec((_s, _m, ids, _a, env) => {
    env.store.write('maintenance.request', ids, { archive: false, stage_id: firstStage(env) }, env);
    return null;
  }),
};
